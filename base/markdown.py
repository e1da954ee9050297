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
from html.parser import HTMLParser

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


# Plain text from member text: the rendered HTML walked once, so the words are those a reader of
# the page sees (no "**", no link syntax) and its blocks stay apart.
_BLOCKS = {"p", "h3", "h4", "li", "pre", "tr", "blockquote", "hr"}
_LISTS = {"ul", "ol"}
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")


class _Block:
    def __init__(self, kind: str, depth: int = 0, marker: str = ""):
        self.kind, self.depth, self.marker, self.words = kind, depth, marker, []

    @property
    def text(self) -> str:
        if self.kind == "pre":
            return "".join(self.words).strip("\n")
        return " ".join("".join(self.words).split())


class _Walker(HTMLParser):
    """The blocks of the rendered text in order: paragraphs, headings, list items (with their
    depth and marker), code, table rows; with links written out as "words (address)"."""

    def __init__(self, *, addresses: bool):
        super().__init__(convert_charrefs=True)
        self.addresses = addresses
        self.blocks: list[_Block] = []
        self.current: _Block | None = None
        self.lists: list[list] = []  # one [kind, count] per open list
        self.links: list[tuple[str, int]] = []  # (address, where its words start) per open link

    def _start(self, kind: str, marker: str = ""):
        self.current = _Block(kind, max(len(self.lists) - 1, 0), marker)
        self.blocks.append(self.current)

    def handle_starttag(self, tag, attrs):
        if tag in _LISTS:
            self.lists.append([tag, 0])
            self.current = None
        elif tag == "li":
            kind, count = self.lists[-1] if self.lists else ("ul", 0)
            if self.lists:
                self.lists[-1][1] = count + 1
            self._start("li", f"{count + 1}." if kind == "ol" else "-")
        elif tag in _BLOCKS and not (tag == "p" and self.current and self.current.kind == "li"):
            self._start(tag)
        elif tag in {"td", "th"} and self.current and "".join(self.current.words).strip():
            self.current.words = ["".join(self.current.words).rstrip(), ", "]
        elif tag == "br" and self.current:
            self.current.words.append("\n" if self.current.kind == "pre" else " ")
        elif tag == "a" and self.current is not None:
            self.links.append((dict(attrs).get("href") or "", len(self.current.words)))
        elif tag == "a":
            self._start("p")
            self.links.append((dict(attrs).get("href") or "", 0))

    def handle_endtag(self, tag):
        if tag in _LISTS and self.lists:
            self.lists.pop()
            self.current = None
        elif tag in _BLOCKS and tag != "li" and not (tag == "p" and self._in_item()):
            self.current = None
        elif tag == "a" and self.links:
            address, start = self.links.pop()
            if self.addresses and self.current is not None:
                words = "".join(self.current.words[start:]).strip()
                shown = address.removeprefix("mailto:")
                if address and shown != words:
                    self.current.words.append(f" ({shown})")

    def _in_item(self) -> bool:
        return bool(self.current and self.current.kind == "li")

    def handle_data(self, data):
        if self.current is None:
            if not data.strip():
                return
            self._start("p")
        self.current.words.append(data)


def _blocks(text: str, *, addresses: bool) -> list[_Block]:
    walker = _Walker(addresses=addresses)
    walker.feed(_rendered(text or ""))
    walker.close()
    return [block for block in walker.blocks if block.text or block.kind == "hr"]


def plain_text(text: str) -> str:
    """Member text as a person would type it in a plain e-mail: paragraphs apart, list items
    on lines of their own ("- " or "1. "), links as "words (address)", no Markdown marks."""
    lines: list[str] = []
    previous = None
    for block in _blocks(text, addresses=True):
        together = previous in {"li", "tr"} and block.kind == previous
        if lines and not together:
            lines.append("")
        if block.kind == "li":
            lines.append(f"{'  ' * block.depth}{block.marker} {block.text}")
        elif block.kind == "pre":
            lines.extend(f"    {line}" for line in block.text.splitlines())
        elif block.kind == "hr":
            lines.append("----")
        else:
            lines.append(block.text)
        previous = block.kind
    return "\n".join(lines)


@lru_cache(maxsize=4096)
def plain_summary(text: str, limit: int = 240) -> str:
    """Member text as one line for a list: every block a sentence of its own, the items of a
    list run together with semicolons ("It includes: an overview; worked examples."), then cut
    at the last sentence that fits or else at a word, with "…"."""
    sentences: list[str] = []
    in_list = False
    for block in _blocks(text, addresses=False):
        if block.kind == "hr":
            continue
        words = " ".join(block.text.split())
        if block.kind == "li":
            words = words.rstrip(".;")
            if in_list:
                sentences[-1] += f"; {words}"
            else:
                sentences.append(words)
            in_list = True
            continue
        _end_sentence(sentences)
        in_list = False
        sentences.append(words)
    _end_sentence(sentences)
    plain = " ".join(sentences)
    if len(plain) <= limit:
        return plain
    cut = plain[: limit + 1]
    ends = [found.end() for found in _SENTENCE_END.finditer(cut)]
    if ends and ends[-1] >= limit // 2:
        return cut[: ends[-1]]
    return cut[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _end_sentence(sentences: list[str]) -> None:
    if sentences and sentences[-1][-1] not in ".!?:…":
        sentences[-1] += "."
