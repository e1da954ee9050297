// Loaded as a module so that no inline script is needed (a strict Content Security Policy stays possible).
import DS from "../sgds/scripts/design-system.js";

document.body.classList.add("js-enabled");
DS.initAll();

// After a failed submission, take keyboard and screen-reader users straight to the list of problems.
const errorSummary = document.getElementById("error-summary");
if (errorSummary) {
  DS.base.tools.temporaryFocus(errorSummary);
}

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
