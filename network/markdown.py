"""The one way member text becomes HTML: CommonMark (markdown-it-py), then nh3 (Ammonia) with a
short allow-list.

markdown-it-py parses in time linear in the length of the text, with nesting bounded by
MAX_NESTING; Python-Markdown, used before, took seconds of CPU on a few thousand nested
brackets. Raw HTML in member text is shown as the text it is, never passed on as markup.
"""

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.link import link

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

# Containers (quotes, lists) and inline markup (emphasis, links) nested deeper than this are
# not parsed further: the text beyond shows as it was typed. Twenty holds lists nested nine
# deep, far more than anyone writes, and keeps the parser's work per character bounded.
MAX_NESTING = 20


def _link_with_a_closing_bracket(state: StateInline, silent: bool) -> bool:
    """markdown-it's link rule, answered at once for a "[" with no "]" anywhere after it.

    Such a "[" cannot open a link, but the rule would scan the rest of the paragraph to find
    that out; thousands of them (or of "![") were the slowest text the benchmark found.
    """
    if state.src[state.pos] != "[":
        return False
    last_closing = state.env.setdefault("last closing bracket", {})
    if state.src not in last_closing:
        last_closing[state.src] = state.src.rfind("]")
    if state.pos > last_closing[state.src]:
        return False
    return link(state, silent)


_PARSER = (
    MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING, "xhtmlOut": False})
    .enable("table")
    # Raw HTML is text; images are not shown (the allow-list has no <img>), so `![text](address)`
    # reads as "!" and a link to the picture rather than being parsed for an image.
    .disable(["html_block", "html_inline", "image"])
)
_PARSER.inline.ruler.at("link", _link_with_a_closing_bracket)


def render_markdown(text: str) -> SafeString:
    return mark_safe(_rendered(text or ""))  # noqa: S308 (sanitised by nh3 in _rendered)


# A list page renders the same summaries on every request: remembering the last few thousand
# saves a parse each (a page of 20 resources spent a fifth of its time here).
@lru_cache(maxsize=4096)
def _rendered(text: str) -> str:
    return nh3.clean(
        _PARSER.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
