"""The one way member text becomes HTML: CommonMark with tables (cmark-gfm, GitHub's C parser,
through cmarkgfm), nesting bounded, then nh3 (Ammonia) with a short allow-list.

cmark-gfm parses in time linear in the length of the text (its own test suite holds the known
pathological inputs to that), a few milliseconds for 10,000 characters of anything; a
pure-Python parser took up to 71 ms on some of the hostile corpus (network/hostile_markdown.py),
and Python-Markdown, used before, seconds. Raw HTML in member text is left out by cmark's safe
mode, never passed on as markup.
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

# Elements (quotes, lists, emphasis) nested deeper than this lose their markup beyond it and keep
# their words. Twenty holds lists nested nine deep, far more than anyone writes; without a bound,
# 5,000 nested quotes made the sanitiser's work grow with depth times length.
MAX_NESTING = 20
# Every tag cmark writes. Its output is well formed and escapes `<` and `>` everywhere else
# (text, code, attribute values), and safe mode leaves member HTML out, so a scan of tags is
# exact here. Void elements have no closing tag.
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)\b[^>]*>")
_VOID = {"br", "hr", "img", "input"}
# The allow-list has no pictures: one a member links to becomes a link to it, not a gap.
_PICTURE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? />')


def render_markdown(text: str) -> SafeString:
    return mark_safe(_rendered(text or ""))  # noqa: S308 (sanitised by nh3 in _rendered)


# A list page renders the same summaries on every request: remembering the last few thousand
# saves a parse each (a page of 20 resources spent a fifth of its time here).
@lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    html = cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_DEFAULT, extensions=["table"]
    )
    html = _PICTURE.sub(lambda found: f'<a href="{found[1]}">{found[2] or found[1]}</a>', html)
    return nh3.clean(
        _shallow(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def _shallow(html: str) -> str:
    """The HTML with every element deeper than MAX_NESTING unwrapped, its text kept: one pass."""
    kept_depth = 0
    kept: list[bool] = []  # for each open element, whether its tags were kept
    pieces, written = [], 0
    for tag in _TAG.finditer(html):
        closing, name = tag.group(1), tag.group(2)
        if name in _VOID:
            keep = kept_depth < MAX_NESTING
        elif closing:
            keep = kept.pop() if kept else False
            kept_depth -= keep
        else:
            keep = kept_depth < MAX_NESTING
            kept.append(keep)
            kept_depth += keep
        if not keep:
            pieces.append(html[written : tag.start()])
            written = tag.end()
    pieces.append(html[written:])
    return "".join(pieces)
