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

// Escape closes the suggestions under the search box; the words typed stay.
const siteSearch = document.getElementById("site-search");
if (siteSearch) {
  siteSearch.addEventListener("keydown", (event) => {
    const suggestions = document.getElementById("site-search-suggestions");
    if (event.key === "Escape" && suggestions && suggestions.firstChild) {
      suggestions.replaceChildren();
      event.preventDefault();
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
