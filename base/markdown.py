"""The one way member text becomes HTML: CommonMark with tables (cmark-gfm, GitHub's C parser,
through cmarkgfm), nesting and table padding bounded, then nh3 (Ammonia) with a short allow-list.

cmark-gfm parses in time linear in the length of the text (its own test suite holds the known
pathological inputs to that), a few milliseconds for 10,000 characters of anything; a
pure-Python parser took up to 71 ms on some of the hostile corpus (network/hostile_markdown.py),
and Python-Markdown, used before, seconds. HTML typed into member text goes to nh3 like the rest:
what the allow-list holds stays, other tags go and their words stay.
"""

import re
from functools import lru_cache

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "h3",
    "h4",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Elements nested deeper than this lose their tags beyond it and keep their words. Twenty holds
# lists nested nine deep, far more than anyone writes; without a bound, 5,000 nested quotes (or
# <div>s typed in) made the sanitiser's work grow with depth times length.
MAX_NESTING = 20
# cmark writes every row of a table as wide as its header: a header of 1,600 columns over 3,000
# one-letter lines made 5 MB of HTML from 10,000 characters. Text whose tables would have more
# cells than this is rendered without tables (their pipes stay as typed).
MAX_TABLE_CELLS = 5_000
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)\b[^>]*>", re.IGNORECASE)
# Elements that never close: counted as open anyway (a bound, not a parser), as are unknown ones.
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"}
# The allow-list has no pictures: one a member links to becomes a link to it, not a gap.
_PICTURE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? />')


def render_markdown(text: str) -> SafeString:
    return mark_safe(_rendered(text or ""))  # noqa: S308 (sanitised by nh3 in _rendered)


# A list page renders the same summaries on every request: remembering the last few thousand
# saves a parse each (a page of 20 resources spent a fifth of its time here).
@lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    extensions = ["table"] if _table_cells(text) <= MAX_TABLE_CELLS else []
    html = cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_UNSAFE, extensions=extensions
    )
    html = _PICTURE.sub(lambda found: f'<a href="{found[1]}">{found[2] or found[1]}</a>', html)
    return nh3.clean(
        _shallow(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def _table_cells(text: str) -> int:
    """How many cells the text's tables would make at most: each delimiter row's columns times
    the lines up to the next blank one (a table's rows), in one pass."""
    cells = columns = 0
    for line in text.splitlines():
        stripped = line.strip()
        if columns and stripped:
            cells += columns
            continue
        columns = 0
        if "|" in stripped and "-" in stripped and set(stripped) <= set("|:- \t"):
            columns = stripped.strip("|").count("|") + 1
    return cells


def _shallow(html: str) -> str:
    """The HTML with every element deeper than MAX_NESTING unwrapped, its words kept, in one
    pass. A closing tag closes only the element it names, so HTML typed in with stray or
    mismatched closing tags cannot open room for more depth than the bound."""
    open_kept: list[str] = []  # names of the open elements whose tags were kept
    pieces, written = [], 0
    for tag in _TAG.finditer(html):
        closing, name = tag.group(1), tag.group(2).lower()
        if closing:
            keep = bool(open_kept) and open_kept[-1] == name
            if keep:
                open_kept.pop()
        else:
            keep = len(open_kept) < MAX_NESTING
            if keep and name not in _VOID:
                open_kept.append(name)
        if not keep:
            pieces.append(html[written : tag.start()])
            written = tag.end()
    pieces.append(html[written:])
    return "".join(pieces)
