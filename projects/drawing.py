"""The driver diagram as a tree, and drawn as SVG on the server.

Pure: it reads drivers and change ideas already loaded (each idea with its `cycle_count`) and
makes no query. The drawing has the aim on the left, then the primary drivers, the secondary
drivers and the change ideas in columns, joined by lines. It carries its colours and sizes as
SVG presentation attributes (pages refuse inline style and script), is sized by its viewBox
alone so the page's stylesheet scales it to the width of the page or the paper, and keeps to
dark lines on white, told apart by line weight and dashes, so it prints well in black and white.
The picture is hidden from screen readers: the page shows the same content as a nested list.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString, mark_safe


@dataclass
class Branch:
    """A driver with what hangs from it: change ideas, and (a primary's) secondary drivers."""

    driver: Any
    ideas: list = field(default_factory=list)
    secondaries: list[Branch] = field(default_factory=list)


@dataclass
class Diagram:
    primaries: list[Branch] = field(default_factory=list)
    # Ideas in the project but in no place of the diagram (adopted without a driver, or left
    # out of an outline while they had cycles).
    unplaced: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.primaries

    def placed_ideas(self) -> list:
        ideas = []
        for primary in self.primaries:
            ideas.extend(primary.ideas)
            for secondary in primary.secondaries:
                ideas.extend(secondary.ideas)
        return ideas


def arrange(drivers: Iterable, ideas: Iterable) -> Diagram:
    """The tree of a project's drivers and ideas, each level in its stored order."""
    drivers = sorted(drivers, key=lambda driver: (driver.position, driver.pk))
    branches = {driver.pk: Branch(driver) for driver in drivers}
    diagram = Diagram()
    for driver in drivers:
        if driver.parent_id is None:
            diagram.primaries.append(branches[driver.pk])
    for driver in drivers:
        parent = branches.get(driver.parent_id)
        if parent is not None and parent.driver.parent_id is None:
            parent.secondaries.append(branches[driver.pk])
    reachable = {branch.driver.pk for branch in diagram.primaries} | {
        secondary.driver.pk for branch in diagram.primaries for secondary in branch.secondaries
    }
    for idea in sorted(ideas, key=lambda idea: (idea.position, idea.pk)):
        if idea.driver_id in reachable:
            branches[idea.driver_id].ideas.append(idea)
        else:
            diagram.unplaced.append(idea)
    return diagram


# --- drawing ---------------------------------------------------------------------------------

BOX_WIDTH = 200
COLUMN_GAP = 32
MARGIN = 12
HEADER = 36
FONT_SIZE = 17
LINE_HEIGHT = 21
SMALL_SIZE = 14
PADDING = 9
SIBLING_GAP = 10
GROUP_GAP = 22
# Roughly how many characters of 17px sans-serif fit across a box: Roboto and Arial average a
# little over half an em a character.
CHARACTERS = 22

FONT = "Roboto, 'Helvetica Neue', Helvetica, Arial, sans-serif"
INK = "#1a1a1a"
QUIET = "#4d4d4d"
LINK = "#0065bd"
LINE = "#333333"

COLUMNS = ("Aim", "Primary drivers", "Secondary drivers", "Change ideas")
# What tells the columns apart in black and white: the line around each box.
BOX_STYLE = {
    0: {"stroke-width": "3", "fill": "#f2f2f2"},
    1: {"stroke-width": "2", "fill": "#ffffff"},
    2: {"stroke-width": "1", "fill": "#ffffff"},
    3: {"stroke-width": "1", "fill": "#ffffff", "stroke-dasharray": "5 3"},
}

# Characters XML 1.0 does not allow, whatever a request managed to store.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: object) -> str:
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def wrap(words: str, characters: int = CHARACTERS) -> list[str]:
    """Lines of at most `characters`, broken between words (a word too long for a line is cut)."""
    lines: list[str] = []
    line = ""
    for word in words.split():
        while len(word) > characters:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[: characters - 1] + "-")
            word = word[characters - 1 :]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= characters:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


@dataclass
class _Box:
    column: int
    lines: list[str]
    url: str = ""
    note: str = ""
    children: list[_Box] = field(default_factory=list)
    y: float = 0.0

    @property
    def height(self) -> float:
        height = PADDING * 2 + len(self.lines) * LINE_HEIGHT
        if self.note:
            height += LINE_HEIGHT
        return height

    @property
    def x(self) -> float:
        return MARGIN + self.column * (BOX_WIDTH + COLUMN_GAP)


def cycles_note(count: int) -> str:
    if not count:
        return "No PDSA cycles yet"
    return f"{count} PDSA cycle{'' if count == 1 else 's'}"


def _idea_box(idea) -> _Box:
    return _Box(
        3,
        wrap(idea.title),
        url=idea.get_absolute_url(),
        note=cycles_note(getattr(idea, "cycle_count", 0)),
    )


def _boxes(aim: str, diagram: Diagram) -> _Box:
    root = _Box(0, wrap(aim))
    for primary in diagram.primaries:
        box = _Box(1, wrap(primary.driver.text))
        box.children.extend(_idea_box(idea) for idea in primary.ideas)
        for secondary in primary.secondaries:
            child = _Box(2, wrap(secondary.driver.text))
            child.children.extend(_idea_box(idea) for idea in secondary.ideas)
            box.children.append(child)
        root.children.append(box)
    return root


def _gap(box: _Box) -> float:
    return GROUP_GAP if box.column == 0 else SIBLING_GAP


def _span(box: _Box) -> float:
    """The height of the box with everything under it."""
    if not box.children:
        return box.height
    under = sum(_span(child) for child in box.children) + _gap(box) * (len(box.children) - 1)
    return max(box.height, under)


def _place(box: _Box, top: float) -> None:
    span = _span(box)
    box.y = top + (span - box.height) / 2
    if not box.children:
        return
    under = sum(_span(child) for child in box.children) + _gap(box) * (len(box.children) - 1)
    y = top + (span - under) / 2
    for child in box.children:
        _place(child, y)
        y += _span(child) + _gap(box)


def _f(number: float) -> str:
    return f"{number:.1f}".removesuffix(".0")


def _attributes(attributes: dict[str, object]) -> str:
    return "".join(f' {name}="{_text(value)}"' for name, value in attributes.items())


def _draw_box(box: _Box, parts: list[str]) -> None:
    shape = (
        f'<rect x="{_f(box.x)}" y="{_f(box.y)}" width="{BOX_WIDTH}" height="{_f(box.height)}"'
        f' rx="3" stroke="{INK}"{_attributes(BOX_STYLE[box.column])}/>'
    )
    left = box.x + PADDING
    first = box.y + PADDING + FONT_SIZE
    colour = LINK if box.url else INK
    decoration = ' text-decoration="underline"' if box.url else ""
    weight = ' font-weight="bold"' if box.column == 0 else ""
    lines = "".join(
        f'<tspan x="{_f(left)}" y="{_f(first + number * LINE_HEIGHT)}">{_text(line)}</tspan>'
        for number, line in enumerate(box.lines)
    )
    text = f'<text fill="{colour}"{decoration}{weight}>{lines}</text>'
    if box.note:
        text += (
            f'<text x="{_f(left)}" y="{_f(first + len(box.lines) * LINE_HEIGHT)}"'
            f' fill="{QUIET}" font-size="{SMALL_SIZE}">{_text(box.note)}</text>'
        )
    if box.url:
        # Out of the tab order: keyboard and screen reader users follow the same links in the
        # list beside the picture.
        parts.append(f'<a href="{_text(box.url)}" tabindex="-1">{shape}{text}</a>')
    else:
        parts.append(shape + text)


def _draw(box: _Box, parts: list[str], lines: list[str]) -> None:
    _draw_box(box, parts)
    if not box.children:
        return
    start_x = box.x + BOX_WIDTH
    start_y = box.y + box.height / 2
    bend = start_x + COLUMN_GAP / 2
    for child in box.children:
        end_y = child.y + child.height / 2
        lines.append(f"M{_f(start_x)} {_f(start_y)}H{_f(bend)}V{_f(end_y)}H{_f(child.x)}")
        _draw(child, parts, lines)


def diagram_svg(*, aim: str, diagram: Diagram) -> SafeString:
    """The driver diagram as an <svg> element for a page, hidden from screen readers."""
    root = _boxes(aim, diagram)
    _place(root, HEADER)
    width = MARGIN * 2 + len(COLUMNS) * BOX_WIDTH + (len(COLUMNS) - 1) * COLUMN_GAP
    height = HEADER + _span(root) + MARGIN
    parts: list[str] = []
    connectors: list[str] = []
    _draw(root, parts, connectors)
    headings = "".join(
        f'<text x="{_f(MARGIN + column * (BOX_WIDTH + COLUMN_GAP))}" y="{HEADER - 14}"'
        f' font-weight="bold" fill="{INK}">{_text(name)}</text>'
        for column, name in enumerate(COLUMNS)
    )
    path = (
        f'<path d="{"".join(connectors)}" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
        if connectors
        else ""
    )
    return mark_safe(  # noqa: S308 (every text and attribute escaped by _text)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network-driver-diagram"'
        f' viewBox="0 0 {_f(width)} {_f(height)}" aria-hidden="true" focusable="false"'
        f' font-family="{_text(FONT)}" font-size="{FONT_SIZE}">'
        f"{headings}{path}{''.join(parts)}</svg>"
    )
