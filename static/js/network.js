// Loaded as a module so that no inline script is needed (a strict Content Security Policy stays possible).
import DS from "../sgds/scripts/design-system.js";

document.body.classList.add("js-enabled");
DS.initAll();

// A form without an action posts back to the page's address, and would keep its "#…": the page
// that answers would then put focus where that fragment points, not on its error summary.
const here = window.location.pathname + window.location.search;
for (const form of document.querySelectorAll("form:not([action]), form[action='']")) {
  form.setAttribute("action", here);
}

// After a failed submission, take keyboard and screen-reader users straight to the list of
// problems, whatever the address's "#…" names (the skip link, a field followed from an earlier
// summary): the fragment is dropped so that the browser does not move focus there.
const errorSummary = document.getElementById("error-summary");
if (errorSummary) {
  if (window.location.hash) {
    window.history.replaceState(window.history.state, "", here);
  }
  DS.base.tools.temporaryFocus(errorSummary);
  // Until the member does something, nothing the browser does on loading takes the focus away.
  let acted = false;
  for (const type of ["keydown", "pointerdown"]) {
    document.addEventListener(type, () => { acted = true; }, { once: true, capture: true });
  }
  window.addEventListener("load", () => {
    if (!acted && !errorSummary.contains(document.activeElement)) {
      DS.base.tools.temporaryFocus(errorSummary);
    }
  });
  // A link in the summary puts focus in its field and shows the field's question above it,
  // without adding a "#…" to the address.
  errorSummary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const input = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!input) {
      return;
    }
    event.preventDefault();
    const question = input.closest("fieldset, .ds_question") || input;
    question.scrollIntoView();
    input.focus({ preventScroll: true });
  });
}

// A bulletin's progress: its buttons are replaced only when what they offer changes (how many
// failed, how many in doubt), not at every refresh of the figures, so that focus on them stays.
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const { target, fragment } = event.detail;
  if (target.id !== "bulletin-progress-actions") {
    return;
  }
  const fresh = fragment.dataset?.offer === undefined ? fragment.querySelector("[data-offer]") : fragment;
  if (fresh && fresh.dataset.offer === target.dataset.offer) {
    event.detail.shouldSwap = false;
  }
});

// htmx swaps in new HTML: initialise any design-system components it brings.
document.addEventListener("htmx:afterSwap", (event) => DS.initAll(event.target));

// The suggestions under the header's search box, as the ARIA 1.2 combobox pattern has them.
// Focus stays in the box: the arrow keys move through the suggestions (aria-activedescendant)
// and Enter opens the one chosen. Escape, or focus or a click leaving the box, closes the list,
// so that it never covers the links below it (WCAG 2.4.11), and empties the status line, which
// would otherwise still announce suggestions that are gone. The words typed stay.
const siteSearch = document.getElementById("site-search");
const suggestionList = document.getElementById("site-search-suggestions");
if (siteSearch && suggestionList) {
  const options = () => [...suggestionList.querySelectorAll('[role="option"]')];
  const chosen = () => {
    const id = siteSearch.getAttribute("aria-activedescendant");
    return id ? document.getElementById(id) : null;
  };
  const choose = (option) => {
    for (const each of options()) {
      each.setAttribute("aria-selected", String(each === option));
    }
    if (option) {
      siteSearch.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      siteSearch.removeAttribute("aria-activedescendant");
    }
  };
  const close = () => {
    choose(null);
    suggestionList.replaceChildren();
    suggestionList.hidden = true;
    siteSearch.setAttribute("aria-expanded", "false");
    const status = document.getElementById("site-search-status");
    if (status) {
      status.textContent = "";
    }
  };
  const open = (option) => {
    if (option && option.dataset.href) {
      window.location.assign(option.dataset.href);
    }
  };

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target !== suggestionList) {
      return;
    }
    // An answer that arrives after focus left the box is not shown.
    if (options().length && document.activeElement === siteSearch) {
      choose(null);
      suggestionList.hidden = false;
      siteSearch.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
  });
  siteSearch.addEventListener("input", () => choose(null));
  siteSearch.addEventListener("keydown", (event) => {
    const all = suggestionList.hidden ? [] : options();
    const at = all.indexOf(chosen());
    if (event.key === "Escape" && all.length) {
      close();
    } else if (event.key === "ArrowDown" && all.length) {
      choose(all[(at + 1) % all.length]);
    } else if (event.key === "ArrowUp" && all.length) {
      choose(all[at <= 0 ? all.length - 1 : at - 1]);
    } else if (event.key === "Enter" && chosen()) {
      open(chosen());
    } else {
      return;
    }
    event.preventDefault();
  });
  // Escape from anywhere in the list, should anything in it ever take focus.
  suggestionList.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      close();
      siteSearch.focus();
      event.preventDefault();
    }
  });
  // A press on a suggestion keeps focus in the box (so the list is not closed under the
  // pointer); the click then opens it.
  suggestionList.addEventListener("mousedown", (event) => event.preventDefault());
  suggestionList.addEventListener("click", (event) => open(event.target.closest('[role="option"]')));
  siteSearch.addEventListener("blur", close);
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".ds_site-search")) {
      close();
    }
  });
}

// A security key that did not answer (cancelled, timed out, another site's): allauth only logs it,
// so the page says so, where the focus goes.
document.addEventListener("allauth.error", (event) => {
  const notice = document.getElementById("security-key-error");
  if (notice) {
    notice.hidden = false;
    DS.base.tools.temporaryFocus(notice);
    event.preventDefault();
  }
});
