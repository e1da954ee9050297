"""Member text built to be slow to render: the benchmark times every entry through the one
renderer, and a test checks that each renders and is sanitised.

Each family is a shape that has made Markdown parsers slow (nested or unclosed brackets,
delimiter runs, deep containers, many references, wide tables, long lines), written out at
1,000, 3,000 and 10,000 characters: the longest any member field takes.
"""

from __future__ import annotations

from collections.abc import Callable

SIZES = (1_000, 3_000, 10_000)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _around(opener: str, middle: str, closer: str, size: int) -> str:
    """Openers, then the middle, then closers: `[[[[x](((((`."""
    half = (size - len(middle)) // 2
    return _repeat(opener, half) + middle + _repeat(closer, size - half - len(middle))


def _lines(line: Callable[[int], str], size: int) -> str:
    written, length, number = [], 0, 0
    while length < size:
        written.append(line(number))
        length += len(written[-1]) + 1
        number += 1
    return "\n".join(written)[:size]


def _growing_runs(mark: str, size: int) -> str:
    """`a``a```a…`: each run a different length, so none closes another."""
    written, length, run = [], 0, 1
    while length < size:
        written.append(mark * run + "a")
        length += run + 1
        run += 1
    return "".join(written)[:size]


def _references(size: int) -> str:
    count = size // 20
    definitions = "".join(f"[r{number}]: /p{number}\n" for number in range(count))
    uses = "".join(f"[r{number}]" for number in range(count))
    return (definitions + "\n" + _repeat(uses, size))[:size]


def _mixed_blocks(number: int) -> str:
    return "> " * (number % 30) + "- [*" + "|" * (number % 7)


FAMILIES: dict[str, Callable[[int], str]] = {
    # Brackets and parentheses: links, images and their labels.
    "nested brackets then parentheses": lambda size: _around("[", "x](", "(", size),
    "nested brackets, closed": lambda size: _around("[", "x", "](u)", size),
    "nested parentheses in an address": lambda size: "[x](" + _around("(", "u", ")", size - 4),
    "brackets then parentheses": lambda size: _around("[", "", "(", size),
    "unclosed link openers": lambda size: _repeat("[a](", size),
    "unclosed links with titles": lambda size: _repeat('[a](b "', size),
    "unclosed links with <": lambda size: _repeat("[a](<", size),
    "empty link openers": lambda size: _repeat("[](", size),
    "image openers": lambda size: _repeat("![", size),
    "unclosed images": lambda size: _repeat("![a](", size),
    "opening brackets": lambda size: _repeat("[", size),
    "closing brackets": lambda size: _repeat("]", size),
    "bracketed words": lambda size: _repeat("[a]", size),
    "undefined references": lambda size: _repeat("[a][b]", size),
    "many reference definitions and uses": _references,
    # Emphasis delimiters.
    "asterisks": lambda size: _repeat("*", size),
    "underscores": lambda size: _repeat("_", size),
    "asterisks and underscores alternating": lambda size: _repeat("*_", size),
    "asterisk before each letter": lambda size: _repeat("*a", size),
    "strong openers": lambda size: _repeat("**a ", size),
    "emphasis openers of both kinds": lambda size: _repeat("*a _b ", size),
    "emphasis openers then closers": lambda size: _around("*a ", "", "a* ", size),
    "mixed delimiter runs": lambda size: _repeat("a**_*__*b ", size),
    # Code spans.
    "backticks": lambda size: _repeat("`", size),
    "backtick runs of growing length": lambda size: _growing_runs("`", size),
    "backtick pairs": lambda size: _repeat("`a``", size),
    # What looks like HTML, autolinks and entities.
    "less-than signs": lambda size: _repeat("<", size),
    "tag openers": lambda size: _repeat("<a ", size),
    "autolink openers": lambda size: _repeat("<http://a", size),
    "comment openers": lambda size: _repeat("<!--", size),
    "ampersands": lambda size: _repeat("&", size),
    "entity openers": lambda size: _repeat("&#x", size),
    "entities": lambda size: _repeat("&amp;", size),
    "backslashes": lambda size: _repeat("\\", size),
    # Containers.
    "blockquote markers": lambda size: _repeat(">", size),
    "blockquotes nested line by line": lambda size: _lines(lambda n: ">" * n + " x", size),
    "list markers on one line": lambda size: _repeat("- ", size),
    "ordered list markers on one line": lambda size: _repeat("1. ", size),
    "lists nested line by line": lambda size: _lines(lambda n: "  " * n + "- x", size),
    "quotes and lists": lambda size: _repeat("> - ", size),
    "one-word list items": lambda size: _repeat("- a\n", size),
    "one-letter lines": lambda size: _repeat("a\n", size),
    "empty headings": lambda size: _repeat("#\n", size),
    # Tables.
    "table row of pipes": lambda size: "| a | b |\n|---|---|\n" + _repeat("|", size - 20),
    "table of many columns": lambda size: (
        "|" + "a|" * (size // 5) + "\n|" + "-|" * (size // 5) + "\n"
    )[:size],
    "table of many rows": lambda size: "| a | b |\n|---|---|\n" + _repeat("|x|\n", size - 20),
    "lines of pipes": lambda size: _repeat("|\n", size),
    # cmark writes every row as wide as the header: a wide header over many short lines.
    "table padded by its header": lambda size: (
        "|" + "a|" * (size // 6) + "\n|" + "-|" * (size // 6) + "\n" + _repeat("a\n", size)
    )[:size],
    # HTML typed in: it reaches the sanitiser, so its nesting must be bounded too.
    "HTML elements nested": lambda size: _repeat("<div>", size),
    "HTML elements nested, in capitals": lambda size: _repeat("<DIV>", size),
    "HTML elements nested past stray closing tags": lambda size: _repeat("<div></span>", size),
    "HTML tables nested": lambda size: _repeat("<table><tr><td>", size),
    "HTML lists nested": lambda size: _repeat("<ul><li>", size),
    # Long lines and mixtures.
    "one long word": lambda size: _repeat("a", size),
    "one long address": lambda size: "<https://example.org/" + _repeat("a", size - 22) + ">",
    "every marker in turn": lambda size: _repeat("[*_`<&!>(\\", size),
    "links, emphasis and code mixed": lambda size: _repeat("[a *b](c _d `e <f ", size),
    "quotes, lists, links and pipes mixed": lambda size: _lines(_mixed_blocks, size),
}


def hostile_corpus() -> list[tuple[str, int, str]]:
    """(family, size, text) for every family at every size."""
    return [(family, size, make(size)) for family, make in FAMILIES.items() for size in SIZES]
