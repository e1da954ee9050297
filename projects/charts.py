"""Run and control charts, drawn on the server as SVG from an analysis (projects.spc).

The drawing carries its own colours and sizes as SVG presentation attributes, so it looks the
same in a page, in a downloaded file and in Inkscape; the site's stylesheet adds only what a
page needs (scaling, print). Pages refuse inline style and script (Content Security Policy), so
the embeddable form has neither: only a downloaded file carries a <style> element. Signals are
told apart by shape as well as colour, the way NHS "Making Data Count" colours them (blue for
improvement, orange for concern, grey for common cause), in shades that keep 3:1 on white.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from django.utils.safestring import SafeString, mark_safe

from projects import spc
from projects.drawing import wrap

ANNOTATION_KINDS = {"pdsa": "PDSA cycle", "note": "Note"}
CHART_NAMES = {
    "run": "Run chart",
    "i": "Control chart (I chart)",
    "p": "Control chart (P chart)",
    "u": "Control chart (U chart)",
    "c": "Control chart (C chart)",
}
RULE_NAMES = {
    "outside": "Outside the limits",
    "shift": "Shift",
    "trend": "Trend",
    "runs": "Unusual number of runs",
    "long-run": "Unusually long run",
    "few-crossings": "Too few crossings",
    "two-of-three": "Two of three near a limit",
}
VERDICT_NAMES = {"improvement": "improvement", "concern": "concern", None: "not random"}

MONTH_NAMES = spc.MONTH_NAMES
MONTHS = tuple(name[:3] for name in MONTH_NAMES)

# Colours: text and lines dark on white; the signals' blue and orange keep 3:1 or more on white
# (6.4:1 and 3.9:1) and differ for every common kind of colour blindness.
INK = "#333333"
DATA = "#767676"
CENTRE = "#1a1a1a"
LIMIT = "#4d4d4d"
GRID = "#dedede"
GUIDE = "#949494"
TARGET = "#1d6b3a"
IMPROVEMENT = "#005eb8"
CONCERN = "#d55e00"
NOT_RANDOM = "#1a1a1a"
FONT = "Roboto, 'Helvetica Neue', Helvetica, Arial, sans-serif"

LIMIT_DASH = "8 4"
EXTENDED_DASH = "3 3"
TARGET_DASH = "10 3 2 3"

# For a downloaded file, which has no site stylesheet (pages style the drawing from
# static/css/network.css): the same letters, and printed to the page's width.
STANDALONE_STYLE = "text{font-family:" + FONT + "}@media print{svg{width:100%;height:auto}}"

# Characters XML 1.0 forbids even escaped: a label holding one would spoil the downloaded file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Annotation:
    """A PDSA cycle or a note, marked on the chart at its date."""

    on: date
    label: str
    kind: str  # "pdsa" or "note"

    def __post_init__(self):
        if self.kind not in ANNOTATION_KINDS:
            raise ValueError(f"An annotation is a PDSA cycle or a note, not {self.kind!r}.")


# --- words and numbers -----------------------------------------------------------------------


def _text(value: object) -> str:
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def number(amount: float | None, decimals: int | None = None) -> str:
    """A figure as people write it: 1,250, 12.5, 0.833; blank for nothing."""
    if amount is None or not math.isfinite(amount):
        return ""
    if decimals is None:
        if amount == round(amount):
            decimals = 0
        elif abs(amount) >= 100:
            decimals = 1
        elif abs(amount) >= 1:
            decimals = 2
        else:
            decimals = 3
    written = f"{amount:,.{decimals}f}"
    if "." in written and decimals:
        written = written.rstrip("0").rstrip(".")
    return "0" if written in ("-0", "") else written


def _with_unit(figure: str, unit: str) -> str:
    if not unit:
        return figure
    return f"{figure}{unit}" if unit.startswith("%") else f"{figure} {unit}"


def _granularity(periods: Sequence[date]) -> str:
    """How the periods are spaced: "year", "month" or "day" (weeks are labelled by day)."""
    gaps = [(later - earlier).days for earlier, later in pairwise(periods) if later > earlier]
    if not gaps:
        return "month" if periods and periods[0].day == 1 else "day"
    gap = statistics.median(gaps)
    if gap >= 360:
        return "year"
    return "month" if gap >= 28 else "day"


def period_name(period: date, granularity: str) -> str:
    """A period in full, for the table and the description: "March 2025", "3 March 2025"."""
    if granularity == "year":
        return str(period.year)
    if granularity == "month":
        return f"{MONTH_NAMES[period.month - 1]} {period.year}"
    return f"{period.day} {MONTH_NAMES[period.month - 1]} {period.year}"


def _short_label(period: date, granularity: str) -> tuple[str, str]:
    """The axis label's two lines: the month (or day and month), and the year."""
    if granularity == "year":
        return str(period.year), ""
    if granularity == "month":
        return MONTHS[period.month - 1], str(period.year)
    return f"{period.day} {MONTHS[period.month - 1]}", str(period.year)


def _wrap(words: str, characters: int) -> list[str]:
    """Lines of at most `characters` (a longer word is cut); none for no words."""
    return [line for line in wrap(words, max(characters, 8)) if line]


def _nice_ticks(low: float, high: float, most: int, *, whole: bool = False) -> list[float]:
    """Round values from `low` or below to `high` or above, at most `most` steps apart: steps
    of 1, 2 or 5 times a power of ten (or 2.5, where that is still a round number: 25, 0.25);
    for `whole` figures (counts), steps of at least 1."""
    if high - low < 1e-9:
        spread = abs(high) * 0.1 or 1.0
        low, high = (low - spread if low - spread >= 0 or low < 0 else 0.0), high + spread
    magnitude = 10 ** math.floor(math.log10((high - low) / most))
    candidates = []
    for power in (magnitude, magnitude * 10, magnitude * 100):
        multiples = (1, 2, 2.5, 5) if power >= 10 or power < 1 else (1, 2, 5)
        candidates += [multiple * power for multiple in multiples]
    if whole:
        candidates = [step for step in candidates if step >= 1] or [1]
    for step in candidates:
        start = math.floor(low / step + 1e-9) * step
        end = math.ceil(high / step - 1e-9) * step
        if round((end - start) / step) <= most:
            break
    return [round(start + index * step, 10) for index in range(round((end - start) / step) + 1)]


def _decimals(step: float) -> int:
    return next(
        (places for places in range(7) if abs(step * 10**places - round(step * 10**places)) < 1e-6),
        6,
    )


def _plottable(amount: float | None) -> float | None:
    return amount if amount is not None and math.isfinite(amount) else None


# --- what each point shows -------------------------------------------------------------------


def _verdicts(analysis: spc.Analysis) -> list[str | None]:
    """Each point's mark: "improvement", "concern", "not-random" or None (common cause). A point
    that two rules read both ways shows the concern, which asks for a look first."""
    found: list[set] = [set() for _ in analysis.rows]
    for signal in analysis.signals:
        for index in signal.indices:
            if 0 <= index < len(found):
                found[index].add(signal.verdict)
    marks: list[str | None] = []
    for row, verdicts in zip(analysis.rows, found, strict=True):
        if "concern" in verdicts:
            marks.append("concern")
        elif "improvement" in verdicts:
            marks.append("improvement")
        elif verdicts or row.signals:
            marks.append("not-random")
        else:
            marks.append(None)
    return marks


def _signal_words(analysis: spc.Analysis) -> list[list[str]]:
    """Each row's signals in words, "Shift (improvement)", for the table."""
    words: list[list[str]] = [[] for _ in analysis.rows]
    for signal in analysis.signals:
        named = f"{RULE_NAMES.get(signal.rule, signal.rule)} ({VERDICT_NAMES[signal.verdict]})"
        for index in signal.indices:
            if 0 <= index < len(words) and named not in words[index]:
                words[index].append(named)
    for row, row_words in zip(analysis.rows, words, strict=True):
        for rule in row.signals:
            if not any(said.startswith(RULE_NAMES.get(rule, rule)) for said in row_words):
                row_words.append(RULE_NAMES.get(rule, rule))
    return words


def _centre_name(analysis: spc.Analysis) -> str:
    return "median" if analysis.chart == "run" else "mean"


def _phases(rows: Sequence[spc.Row]) -> list[tuple[int, int, int]]:
    """(phase, first index, last index) of each phase, in order."""
    spans: list[tuple[int, int, int]] = []
    for index, row in enumerate(rows):
        if spans and spans[-1][0] == row.phase:
            spans[-1] = (row.phase, spans[-1][1], index)
        else:
            spans.append((row.phase, index, index))
    return spans


# --- the description -------------------------------------------------------------------------


def describe(
    analysis: spc.Analysis,
    *,
    title: str,
    unit: str = "",
    target: float | None = None,
    annotations: Sequence[Annotation] = (),
    freeze: int | None = None,
    figures: bool = True,
) -> str:
    """What the chart shows, in words: for the SVG's <desc> and beside the chart. Without
    `figures` it tells no figure of the data (a point's value, the centre line's, the
    limits'): a public summary's chart shows the shape alone."""
    kind = CHART_NAMES.get(analysis.chart, "Chart")
    rows = analysis.rows
    plotted = [row for row in rows if _plottable(row.value) is not None]
    if not plotted:
        sentences = [f"{kind} of {title}: no figures yet."]
    else:
        granularity = _granularity([row.period for row in rows])
        points = len(plotted)
        sentences = [
            f"{kind} of {title}: {points} point{'s' if points != 1 else ''} from "
            f"{period_name(rows[0].period, granularity)} to "
            f"{period_name(rows[-1].period, granularity)}."
        ]
        if len(plotted) < len(rows):
            missing = len(rows) - len(plotted)
            sentences.append(f"{missing} period{'s have' if missing != 1 else ' has'} no figure.")
        sentences += _describe_lines(
            analysis, unit=unit, freeze=freeze, granularity=granularity, figures=figures
        )
        if target is not None:
            sentences.append(f"The target is {_with_unit(number(target), unit)}.")
        sentences.append(_describe_signals(analysis, granularity))
        if not figures:
            sentences.append("The team shares the figures with members of the network.")
    if annotations:
        marked = [
            f"{position}, {ANNOTATION_KINDS[note.kind]} on "
            f"{period_name(note.on, 'day')}: {note.label}"
            for position, note in enumerate(_in_order(annotations), start=1)
        ]
        sentences.append("Marked on the chart: " + "; ".join(marked) + ".")
    return " ".join(sentence for sentence in sentences if sentence)


def _describe_lines(
    analysis: spc.Analysis, *, unit: str, freeze: int | None, granularity: str, figures: bool
) -> list[str]:
    centre = _centre_name(analysis)
    rows = analysis.rows
    spans = _phases(rows)
    parts = []
    for phase, first, last in spans:
        centres = {row.centre for row in rows[first : last + 1] if row.centre is not None}
        lowers = [row.lower for row in rows[first : last + 1] if row.lower is not None]
        uppers = [row.upper for row in rows[first : last + 1] if row.upper is not None]
        said = []
        if not figures:
            drawn = [f"the {centre}"] if centres else []
            drawn += ["the control limits"] if lowers or uppers else []
            if drawn:
                said.append(f"{' and '.join(drawn)} {'are' if len(drawn) > 1 else 'is'} drawn")
        elif len(centres) == 1:
            said.append(f"the {centre} is {_with_unit(number(centres.pop()), unit)}")
        elif centres:
            said.append(f"the {centre} changes from point to point")
        if figures and (lowers or uppers):
            if len(set(lowers)) <= 1 and len(set(uppers)) <= 1:
                limits = [number(limit[0]) for limit in (lowers, uppers) if limit]
                said.append(f"the control limits are {_with_unit(' and '.join(limits), unit)}")
            else:
                said.append(
                    "the control limits change with each point's size (they are in the table)"
                )
        text = "; ".join(said)
        if len(spans) > 1:
            parts.append(
                f"Phase {phase}, {period_name(rows[first].period, granularity)} to "
                f"{period_name(rows[last].period, granularity)}: {text}."
            )
        elif text:
            parts.append(text[0].upper() + text[1:] + ".")
    if freeze and spans and spans[0][2] - spans[0][1] + 1 > freeze:
        parts.append(
            f"The {centre} of the first {freeze} points is the baseline, extended after them."
        )
    return parts


def _describe_signals(analysis: spc.Analysis, granularity: str) -> str:
    if not analysis.signals:
        if analysis.chart == "run":
            return "No signals: the variation looks random (common cause)."
        return "No signals: common cause variation only."
    centre = _centre_name(analysis)
    several_phases = len(_phases(analysis.rows)) > 1
    said = []
    for signal in analysis.signals:
        indices = [index for index in signal.indices if 0 <= index < len(analysis.rows)]
        periods = [analysis.rows[index].period for index in indices]
        count = len(indices)
        span = (
            f", {period_name(periods[0], granularity)} to {period_name(periods[-1], granularity)}"
            if len(periods) > 1
            else (f", {period_name(periods[0], granularity)}" if periods else "")
        )
        side = signal.side or ""
        rule = signal.rule
        if rule == "outside":
            what = f"{count} point{'s' if count != 1 else ''} outside the control limits"
            if periods:
                what += " (" + ", ".join(period_name(p, granularity) for p in periods) + ")"
            span = ""
        elif rule == "shift":
            what = f"a shift of {count} points in a row {side} the {centre}".replace("  ", " ")
        elif rule == "trend":
            what = f"a trend of {count} points in a row going {side}".rstrip()
        elif rule == "long-run":
            what = f"a run of {count} points {side} the {centre}, longer than chance gives"
        elif rule == "few-crossings":
            what = f"fewer crossings of the {centre} than chance gives"
            span = ""
        elif rule == "runs":
            what = f"an unusual number of runs around the {centre}"
            span = ""
        elif rule == "two-of-three":
            limit = {"above": "upper", "below": "lower"}.get(side, "")
            what = f"two of three points close to the {limit} limit".replace("  ", " ")
        else:
            what = RULE_NAMES.get(rule, rule).lower()
        where = f" in phase {signal.phase}" if several_phases else ""
        verdict = {"improvement": "an improvement", "concern": "a concern"}.get(
            signal.verdict or "", "not random"
        )
        said.append(f"{what}{span}{where} ({verdict})")
    return "Signals: " + "; ".join(said) + "."


def _in_order(annotations: Sequence[Annotation]) -> list[Annotation]:
    return sorted(annotations, key=lambda note: note.on)


# --- the drawing -----------------------------------------------------------------------------


def _attributes(**attributes: object) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{_text(value)}"'
        for name, value in attributes.items()
        if value is not None and value != ""
    )


def _element(tag: str, content: str = "", **attributes: object) -> str:
    if content:
        return f"<{tag}{_attributes(**attributes)}>{content}</{tag}>"
    return f"<{tag}{_attributes(**attributes)}/>"


def _f(coordinate: float) -> str:
    return f"{coordinate:.1f}".rstrip("0").rstrip(".")


class _Chart:
    """The geometry of one drawing, and its parts as SVG elements."""

    def __init__(
        self,
        analysis: spc.Analysis,
        *,
        title: str,
        unit: str,
        target: float | None,
        annotations: Sequence[Annotation],
        freeze: int | None,
        width: int,
        height: int,
        standalone: bool,
        figures: bool = True,
    ):
        self.analysis = analysis
        self.figures = figures
        self.rows = analysis.rows
        self.title = title
        self.unit = unit
        self.target = _plottable(target)
        self.annotations = _in_order(annotations)
        self.width = width
        self.standalone = standalone
        self.small = width < 480
        self.font = 12 if self.small else 13
        self.char = self.font * 0.6  # the width of a character, to keep labels apart
        self.marker = 5 if self.small else 6
        self.pad = 8
        self.values = [_plottable(row.value) for row in self.rows]
        self.empty = all(value is None for value in self.values)
        self.marks = _verdicts(analysis)
        self.spans = _phases(self.rows)
        first_phase = self.spans[0] if self.spans else None
        self.baseline_end = (
            first_phase[1] + freeze
            if freeze and first_phase and first_phase[2] - first_phase[1] + 1 > freeze
            else None
        )
        self.granularity = _granularity([row.period for row in self.rows])
        self._lay_out(height)

    # Layout ---------------------------------------------------------------------------------

    def _lay_out(self, height: int) -> None:
        """Place everything; again when PDSA cycles and notes are so close together on the
        axis that their markers need more lanes than first thought (or fewer)."""
        lanes = 1 if self.annotations and self.rows else 0
        for _ in range(3):
            self._lay_out_with(height, lanes)
            needed = max(self.lane_of.values(), default=-1) + 1
            if needed == lanes:
                break
            lanes = needed

    def _lay_out_with(self, height: int, lanes: int) -> None:
        top = self.pad + 2
        self.title_lines = []
        if self.standalone:
            self.title_lines = _wrap(self.title, int((self.width - 2 * self.pad) / 9))
            top += 19 * len(self.title_lines) + 4
        self.unit_y = None
        if self.unit:
            self.unit_y = top + self.font
            top += self.font + 6
        self.phase_label_y = None
        if len(self.spans) > 1:
            self.phase_label_y = top + self.font
            top += self.font + 4
        self.plot_top = top + self.marker

        # The lanes of annotation markers below the axis, then one or two lines of labels.
        self.lanes = lanes
        strip = self.lanes * 17 + (3 if self.lanes else 0)
        label_lines = 1 if self.granularity == "year" else 2
        self.plot_bottom = height - (4 + strip + label_lines * (self.font + 2) + 6)
        self.strip_top = self.plot_bottom + 4
        self.label_top = self.strip_top + strip

        self.ticks = self._y_ticks()
        decimals = _decimals(self.ticks[1] - self.ticks[0]) if len(self.ticks) > 1 else 0
        self.tick_labels = [number(tick, decimals) for tick in self.ticks]
        widest = max((len(label) for label in self.tick_labels), default=1)
        self.plot_left = self.pad + widest * self.char + 8
        widest_x = max(
            (
                max(len(part) for part in _short_label(row.period, self.granularity))
                for row in self.rows
            ),
            default=3,
        )
        self.plot_right = self.width - self.pad - widest_x * self.char / 2
        self.band = (self.plot_right - self.plot_left) / max(len(self.rows), 1)
        self.lane_of = self._assign_lanes()
        self.legend = self._legend_items()
        self.legend_rows = self._flow(self.legend)
        self.height = height
        after = height
        if self.legend_rows:
            after += 6 + len(self.legend_rows) * (self.font + 10)
        self.list_lines = self._annotation_lines()
        if self.list_lines:
            after += 6 + sum(len(lines) for _, lines in self.list_lines) * (self.font + 5)
        self.total_height = math.ceil(after + self.pad)

    def _assign_lanes(self) -> dict[int, int]:
        """The lane of each marker on the chart's dates (by its place in self.annotations):
        the first in which it keeps clear of the marker before it; with four lanes full,
        the one whose last marker is furthest away."""
        lane_ends: list[float] = []
        lanes = {}
        for position, note in enumerate(self.annotations):
            x = self._annotation_x(note)
            if x is None:
                continue
            free = [lane for lane, end in enumerate(lane_ends) if end + 16 <= x]
            if free:
                lane = free[0]
            elif len(lane_ends) < 4:
                lane_ends.append(-math.inf)
                lane = len(lane_ends) - 1
            else:
                lane = min(range(len(lane_ends)), key=lambda index: lane_ends[index])
            lane_ends[lane] = x
            lanes[position] = lane
        return lanes

    def _y_ticks(self) -> list[float]:
        amounts = [value for value in self.values if value is not None]
        for row in self.rows:
            amounts += [
                amount
                for amount in (_plottable(row.centre), _plottable(row.lower), _plottable(row.upper))
                if amount is not None
            ]
        if self.target is not None:
            amounts.append(self.target)
        if not amounts:
            return [0.0, 0.5, 1.0]
        low, high = min(amounts), max(amounts)
        if low > 0 and (low < high - low or low == high):
            low = 0.0  # counts and rates read best from zero when the data spans that far
        room = (self.plot_bottom - self.plot_top) / (self.font * 2.2)
        figures = [value for value in self.values if value is not None]
        whole = bool(figures) and all(value == round(value) for value in figures)
        return _nice_ticks(low, high, max(2, min(8, int(room))), whole=whole)

    def x(self, index: float) -> float:
        """The middle of a period's band: points sit there, lines step at the bands' edges."""
        return self.plot_left + (index + 0.5) * self.band

    def edge(self, index: int) -> float:
        return self.plot_left + index * self.band

    def y(self, amount: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.plot_bottom - (amount - low) / (high - low) * (self.plot_bottom - self.plot_top)

    def _band_position(self, on: date) -> float | None:
        """Where a date falls, in bands from the left edge: a date within a period sits that
        far through its band. None for a date before the first period or after the last."""
        periods = [row.period for row in self.rows]
        if not periods or on < periods[0]:
            return None
        for index, (start, end) in enumerate(pairwise(periods)):
            if start <= on < end:
                return index + (on - start).days / max((end - start).days, 1)
        gaps = [(b - a).days for a, b in pairwise(periods) if b > a]
        usual = statistics.median(gaps) if gaps else (365 if self.granularity == "year" else 31)
        beyond = (on - periods[-1]).days / usual
        return len(periods) - 1 + beyond if beyond < 1 else None

    # Parts ----------------------------------------------------------------------------------

    def svg(self, *, ident: str, description: str) -> str:
        parts = [
            _element("title", _text(self.title), id=f"{ident}-title"),
            _element("desc", _text(description), id=f"{ident}-desc"),
        ]
        if self.standalone:
            parts.append(f"<style>{STANDALONE_STYLE}</style>")
            parts.append(_element("rect", width=self.width, height=self.total_height, fill="#fff"))
        parts += self._headings()
        parts += self._grid()
        parts += self._phase_dividers()
        parts += self._annotation_guides()
        parts += self._step_lines()
        parts += self._target_line()
        parts += self._data_line()
        parts += self._points()
        parts += self._target_label()
        parts += self._axes()
        parts += self._annotation_markers()
        parts += self._legend()
        parts += self._annotation_list()
        if self.empty:
            parts.append(
                self._label(
                    "No figures yet",
                    (self.plot_left + self.plot_right) / 2,
                    (self.plot_top + self.plot_bottom) / 2,
                    anchor="middle",
                    css="network-chart__empty",
                )
            )
        namespace = ' xmlns="http://www.w3.org/2000/svg"' if self.standalone else ""
        opening = (
            f"<svg{namespace}"
            + _attributes(
                class_="network-chart",
                width=self.width,
                height=self.total_height,
                viewBox=f"0 0 {self.width} {self.total_height}",
                role="img",
                aria_labelledby=f"{ident}-title",
                aria_describedby=f"{ident}-desc",
                font_family=FONT,
                font_size=self.font,
                fill=INK,
            )
            + ">"
        )
        svg = opening + "".join(parts) + "</svg>"
        if self.standalone:
            svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"
        return svg

    def _label(
        self,
        words: str,
        x: float,
        y: float,
        *,
        anchor: str = "start",
        css: str = "",
        size: float | None = None,
        weight: str = "",
        halo: bool = False,
    ) -> str:
        return _element(
            "text",
            _text(words),
            x=_f(x),
            y=_f(y),
            text_anchor=anchor if anchor != "start" else "",
            font_size=size or "",
            font_weight=weight,
            class_=css,
            # A white outline drawn under the letters keeps a label legible over lines.
            stroke="#fff" if halo else "",
            stroke_width=3 if halo else "",
            stroke_linejoin="round" if halo else "",
            paint_order="stroke" if halo else "",
        )

    def _headings(self) -> list[str]:
        parts = []
        for line_number, line in enumerate(self.title_lines):
            parts.append(
                self._label(
                    line,
                    self.pad,
                    self.pad + 15 + 19 * line_number,
                    css="network-chart__title",
                    size=15,
                    weight="bold",
                )
            )
        if self.unit_y is not None:
            parts.append(self._label(self.unit, self.pad, self.unit_y, css="network-chart__unit"))
        if self.phase_label_y is not None:
            for phase, first, last in self.spans:
                words = f"Phase {phase}"
                room = (last - first + 1) * self.band - 8
                if len(words) * self.char <= room:
                    parts.append(
                        self._label(
                            words,
                            self.edge(first) + 4,
                            self.phase_label_y,
                            css="network-chart__phase-label",
                        )
                    )
        return parts

    def _grid(self) -> list[str]:
        if self.empty:
            return []
        return [
            _element(
                "line",
                class_="network-chart__grid",
                x1=_f(self.plot_left),
                x2=_f(self.plot_right),
                y1=_f(self.y(tick)),
                y2=_f(self.y(tick)),
                stroke=GRID,
                stroke_width=1,
            )
            for tick in self.ticks
        ]

    def _phase_dividers(self) -> list[str]:
        return [
            _element(
                "line",
                class_="network-chart__phase",
                x1=_f(self.edge(first)),
                x2=_f(self.edge(first)),
                y1=_f(self.plot_top - self.marker),
                y2=_f(self.plot_bottom),
                stroke=LIMIT,
                stroke_width=1.5,
            )
            for _, first, _ in self.spans[1:]
        ]

    def _annotation_x(self, note: Annotation) -> float | None:
        position = self._band_position(note.on)
        return None if position is None else self.plot_left + position * self.band

    def _annotation_guides(self) -> list[str]:
        """A faint upright line from each marker up through the data, to read it against."""
        guides = []
        for position in self.lane_of:
            x = _f(self._annotation_x(self.annotations[position]))
            guides.append(
                _element(
                    "line",
                    class_="network-chart__guide",
                    x1=x,
                    x2=x,
                    y1=_f(self.plot_top),
                    y2=_f(self.plot_bottom),
                    stroke=GUIDE,
                    stroke_width=1,
                    stroke_dasharray="2 3",
                )
            )
        return guides

    def _steps(self, indices: range, attribute: str) -> list[str]:
        """Path data for a line that may change at each point: level across each point's
        band, upright at the band's edge; broken where a point has none."""
        paths, current, previous = [], "", None
        for index in indices:
            amount = _plottable(getattr(self.rows[index], attribute))
            if amount is None:
                if current:
                    paths.append(current)
                current, previous = "", None
                continue
            level = _f(self.y(amount))
            if previous is None:
                current = f"M{_f(self.edge(index))} {level}H{_f(self.edge(index + 1))}"
            elif amount == previous:
                current = current.rsplit("H", 1)[0] + f"H{_f(self.edge(index + 1))}"
            else:
                current += f"V{level}H{_f(self.edge(index + 1))}"
            previous = amount
        if current:
            paths.append(current)
        return paths

    def _step_lines(self) -> list[str]:
        parts = []
        for phase_number, (_, first, last) in enumerate(self.spans):
            stretches = [(range(first, last + 1), False)]
            if phase_number == 0 and self.baseline_end is not None:
                stretches = [
                    (range(first, self.baseline_end), False),
                    (range(self.baseline_end, last + 1), True),
                ]
            for indices, extended in stretches:
                for attribute in ("lower", "upper"):
                    for path in self._steps(indices, attribute):
                        parts.append(
                            _element(
                                "path",
                                class_="network-chart__limit"
                                + (" network-chart__limit--extended" if extended else ""),
                                d=path,
                                fill="none",
                                stroke=LIMIT,
                                stroke_width=1.25,
                                stroke_dasharray=EXTENDED_DASH if extended else LIMIT_DASH,
                            )
                        )
                for path in self._steps(indices, "centre"):
                    parts.append(
                        _element(
                            "path",
                            class_="network-chart__centre"
                            + (" network-chart__centre--extended" if extended else ""),
                            d=path,
                            fill="none",
                            stroke=CENTRE,
                            stroke_width=1.5,
                            stroke_dasharray=EXTENDED_DASH if extended else "",
                        )
                    )
        return parts

    def _target_line(self) -> list[str]:
        if self.target is None:
            return []
        level = _f(self.y(self.target))
        return [
            _element(
                "line",
                class_="network-chart__target",
                x1=_f(self.plot_left),
                x2=_f(self.plot_right),
                y1=level,
                y2=level,
                stroke=TARGET,
                stroke_width=1.5,
                stroke_dasharray=TARGET_DASH,
            )
        ]

    def _target_label(self) -> list[str]:
        """The target's name over its line (under it, near the top), over the data."""
        if self.target is None:
            return []
        level = self.y(self.target)
        # A long unit is already written over the axis.
        unit = self.unit if len(self.unit) <= 4 else ""
        above = level - 5 - self.font > self.plot_top - self.marker
        return [
            self._label(
                f"Target {_with_unit(number(self.target), unit)}",
                self.plot_right - 2,
                level - 5 if above else level + self.font + 3,
                anchor="end",
                css="network-chart__target-label",
                halo=True,
            )
        ]

    def _data_line(self) -> list[str]:
        paths, current = [], []
        for index, value in enumerate(self.values):
            if value is None:
                if len(current) > 1:
                    paths.append(current)
                current = []
                continue
            current.append(f"{_f(self.x(index))} {_f(self.y(value))}")
        if len(current) > 1:
            paths.append(current)
        return [
            _element(
                "path",
                class_="network-chart__data",
                d="M" + "L".join(points),
                fill="none",
                stroke=DATA,
                stroke_width=1.5,
                stroke_linejoin="round",
            )
            for points in paths
        ]

    def _shape(
        self, mark: str | None, x: float, y: float, size: float, *, css: str = "", tip: str = ""
    ) -> str:
        """A point's mark: a dot, or for a signal a diamond (improvement), a triangle (concern)
        or a ring (not random), so that no signal depends on colour alone. `tip` shows on
        hovering over it."""
        tooltip = _element("title", _text(tip)) if tip else ""
        if mark == "improvement":
            return _element(
                "path",
                tooltip,
                class_=css,
                d=f"M{_f(x)} {_f(y - size)}L{_f(x + size)} {_f(y)}L{_f(x)} {_f(y + size)}"
                f"L{_f(x - size)} {_f(y)}Z",
                fill=IMPROVEMENT,
                stroke="#fff",
                stroke_width=1,
            )
        if mark == "concern":
            return _element(
                "path",
                tooltip,
                class_=css,
                d=f"M{_f(x)} {_f(y - size * 1.05)}L{_f(x + size)} {_f(y + size * 0.75)}"
                f"L{_f(x - size)} {_f(y + size * 0.75)}Z",
                fill=CONCERN,
                stroke="#fff",
                stroke_width=1,
            )
        if mark == "not-random":
            return _element(
                "circle",
                tooltip,
                class_=css,
                cx=_f(x),
                cy=_f(y),
                r=_f(size * 0.8),
                fill="#fff",
                stroke=NOT_RANDOM,
                stroke_width=2,
            )
        return _element(
            "circle", tooltip, class_=css, cx=_f(x), cy=_f(y), r=_f(size * 0.5), fill=DATA
        )

    def _points(self) -> list[str]:
        parts = []
        words = _signal_words(self.analysis)
        for index, (row, value, mark) in enumerate(
            zip(self.rows, self.values, self.marks, strict=True)
        ):
            if value is None:
                continue
            said = period_name(row.period, self.granularity)
            if self.figures:
                said += ": " + _with_unit(number(value), self.unit)
            if words[index]:
                said += " (" + "; ".join(words[index]) + ")"
            # A tooltip for a pointer; the chart's description and table say it for everyone.
            parts.append(
                self._shape(
                    mark,
                    self.x(index),
                    self.y(value),
                    self.marker,
                    css=f"network-chart__point network-chart__point--{mark or 'common'}",
                    tip=said,
                )
            )
        return parts

    def _x_labels(self) -> list[int]:
        """The points whose period is labelled: as many as fit without touching, on round
        months (quarters, half years) when the axis is in months."""
        if not self.rows:
            return []
        widest = max(
            max(len(part) for part in _short_label(row.period, self.granularity))
            for row in self.rows
        )
        needed = math.ceil((widest * self.char + self.font) / self.band)
        steps = {
            "month": (1, 2, 3, 4, 6, 12, 24, 36, 60, 120),
            "day": (1, 2, 4, 8, 13, 26, 52, 104),
            "year": (1, 2, 5, 10, 20, 50, 100),
        }[self.granularity]
        step = next((candidate for candidate in steps if candidate >= needed), needed)
        chosen: list[int] = []
        if self.granularity == "month" and 12 % step == 0:
            for index, row in enumerate(self.rows):
                on_round_month = (row.period.month - 1) % step == 0
                if on_round_month and (not chosen or index - chosen[-1] >= step):
                    chosen.append(index)
        if not chosen:
            chosen = list(range(0, len(self.rows), step))
        return chosen

    def _axes(self) -> list[str]:
        parts = [
            _element(
                "line",
                class_="network-chart__axis",
                x1=_f(self.plot_left),
                x2=_f(self.plot_left),
                y1=_f(self.plot_top - self.marker),
                y2=_f(self.plot_bottom),
                stroke=INK,
                stroke_width=1,
            ),
            _element(
                "line",
                class_="network-chart__axis",
                x1=_f(self.plot_left),
                x2=_f(self.plot_right),
                y1=_f(self.plot_bottom),
                y2=_f(self.plot_bottom),
                stroke=INK,
                stroke_width=1,
            ),
        ]
        for tick, words in zip(self.ticks, self.tick_labels, strict=True):
            if self.empty:
                break  # a scale with nothing on it would only mislead
            level = self.y(tick)
            parts.append(
                _element(
                    "line",
                    x1=_f(self.plot_left - 4),
                    x2=_f(self.plot_left),
                    y1=_f(level),
                    y2=_f(level),
                    stroke=INK,
                    stroke_width=1,
                )
            )
            parts.append(
                self._label(
                    words,
                    self.plot_left - 6,
                    level + self.font * 0.35,
                    anchor="end",
                    css="network-chart__tick-label network-chart__tick-label--y",
                )
            )
        labelled = self._x_labels()
        every_tick = self.band >= 4
        shown_year = None
        for index in range(len(self.rows)):
            if not (every_tick or index in labelled):
                continue
            x = self.x(index)
            parts.append(
                _element(
                    "line",
                    x1=_f(x),
                    x2=_f(x),
                    y1=_f(self.plot_bottom),
                    y2=_f(self.plot_bottom + (4 if index in labelled else 2)),
                    stroke=INK,
                    stroke_width=1,
                )
            )
        for index in labelled:
            period = self.rows[index].period
            first, year = _short_label(period, self.granularity)
            x = self.x(index)
            line = self.label_top + self.font + 2
            parts.append(
                self._label(
                    first,
                    x,
                    line,
                    anchor="middle",
                    css="network-chart__tick-label network-chart__tick-label--x",
                )
            )
            if year and year != shown_year:
                parts.append(
                    self._label(
                        year,
                        x,
                        line + self.font + 2,
                        anchor="middle",
                        css="network-chart__tick-label network-chart__tick-label--year",
                    )
                )
                shown_year = year
        return parts

    def _badge(self, number_shown: int, kind: str, x: float, y: float, *, css: str = "") -> str:
        """A PDSA cycle's round marker, or a note's square one, with its number."""
        if kind == "pdsa":
            shape = _element("circle", cx=_f(x), cy=_f(y), r=7, fill=INK)
        else:
            shape = _element("rect", x=_f(x - 6.5), y=_f(y - 6.5), width=13, height=13, fill=INK)
        digits = _element(
            "text",
            str(number_shown),
            x=_f(x),
            y=_f(y + 3.2),
            text_anchor="middle",
            font_size=9 if number_shown < 100 else 7,
            font_weight="bold",
            fill="#fff",
        )
        return _element("g", shape + digits, class_=css)

    def _annotation_markers(self) -> list[str]:
        return [
            self._badge(
                position + 1,
                self.annotations[position].kind,
                self._annotation_x(self.annotations[position]),
                self.strip_top + 8 + min(lane, self.lanes - 1) * 17,
                css="network-chart__annotation "
                f"network-chart__annotation--{self.annotations[position].kind}",
            )
            for position, lane in self.lane_of.items()
        ]

    # The legend and the list of PDSA cycles and notes, beneath the axes ----------------------

    def _legend_items(self) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        shown = {
            mark for mark, value in zip(self.marks, self.values, strict=True) if value is not None
        }
        if None in shown:
            items.append(("common", "Common cause"))
        for mark, words in (
            ("improvement", "Improvement"),
            ("concern", "Concern"),
            ("not-random", "Not random"),
        ):
            if mark in shown:
                items.append((mark, words))
        if any(_plottable(row.centre) is not None for row in self.rows):
            items.append(("centre", _centre_name(self.analysis).capitalize()))
        if any(
            _plottable(row.lower) is not None or _plottable(row.upper) is not None
            for row in self.rows
        ):
            items.append(("limit", "Control limits"))
        if self.baseline_end is not None:
            items.append(("extended", "Baseline, extended"))
        if self.target is not None:
            items.append(("target", "Target"))
        if len(self.spans) > 1:
            items.append(("phase", "New phase"))
        return items

    def _flow(self, items: list[tuple[str, str]]) -> list[list[tuple[str, str, float]]]:
        """The legend's items in rows that fit the width: (kind, words, x)."""
        rows: list[list[tuple[str, str, float]]] = []
        x = self.width  # start a row at once
        for kind, words in items:
            needed = 26 + len(words) * self.char
            if x + needed > self.width - self.pad:
                rows.append([])
                x = self.pad
            rows[-1].append((kind, words, x))
            x += needed + 14
        return rows

    def _swatch(self, kind: str, x: float, y: float) -> str:
        line = {
            "centre": {"stroke": CENTRE, "stroke_width": 1.5},
            "limit": {"stroke": LIMIT, "stroke_width": 1.25, "stroke_dasharray": LIMIT_DASH},
            "extended": {"stroke": CENTRE, "stroke_width": 1.5, "stroke_dasharray": EXTENDED_DASH},
            "target": {"stroke": TARGET, "stroke_width": 1.5, "stroke_dasharray": TARGET_DASH},
        }.get(kind)
        if line:
            return _element("line", x1=_f(x), x2=_f(x + 22), y1=_f(y), y2=_f(y), **line)
        if kind == "phase":
            return _element(
                "line",
                x1=_f(x + 11),
                x2=_f(x + 11),
                y1=_f(y - 7),
                y2=_f(y + 7),
                stroke=LIMIT,
                stroke_width=1.5,
            )
        return self._shape(None if kind == "common" else kind, x + 11, y, self.marker)

    def _legend(self) -> list[str]:
        parts = []
        for row_number, row in enumerate(self.legend_rows):
            y = self.height + 6 + row_number * (self.font + 10) + (self.font + 10) / 2
            for kind, words, x in row:
                parts.append(
                    _element(
                        "g",
                        self._swatch(kind, x, y) + self._label(words, x + 28, y + self.font * 0.35),
                        class_=f"network-chart__key network-chart__key--{kind}",
                    )
                )
        return parts

    def _annotation_lines(self) -> list[tuple[Annotation, list[str]]]:
        # Words are narrower than figures: about half the font size each.
        room = int((self.width - 2 * self.pad - 24) / (self.font * 0.5))
        lines = []
        for position, note in enumerate(self.annotations):
            words = f"{ANNOTATION_KINDS[note.kind]}, {period_name(note.on, 'day')}: {note.label}"
            if self.rows and position not in self.lane_of:
                words += " (outside the chart's dates)"
            lines.append((note, _wrap(words, room)))
        return lines

    def _annotation_list(self) -> list[str]:
        if not self.list_lines:
            return []
        parts = []
        step = self.font + 5
        y = self.height + 6
        if self.legend_rows:
            y += len(self.legend_rows) * (self.font + 10)
        y += 6
        for position, (note, lines) in enumerate(self.list_lines, start=1):
            items = [self._badge(position, note.kind, self.pad + 7, y + step / 2 - 1)]
            for line_number, line in enumerate(lines):
                items.append(
                    self._label(line, self.pad + 22, y + line_number * step + self.font * 0.9)
                )
            parts.append(_element("g", "".join(items), class_="network-chart__note"))
            y += len(lines) * step
        return parts


def chart_svg(
    analysis: spc.Analysis,
    *,
    title: str,
    unit: str = "",
    target: float | None = None,
    annotations: Sequence[Annotation] = (),
    freeze: int | None = None,
    width: int = 720,
    height: int = 320,
    standalone: bool = False,
    figures: bool = True,
) -> SafeString:
    """The chart as SVG markup, every label escaped. `height` is the plot's with its axes;
    the legend and the list of PDSA cycles and notes add to it. `freeze` is the number of
    points the first phase's baseline was worked out from (as given to spc.analyse), whose
    line is drawn dashed beyond them. `standalone` gives a file of its own: the XML
    declaration, the namespace, a visible title and a <style> for lack of the site's.
    Without `figures`, the chart shows the shape of the data and its signals but tells no
    figure of it, neither a point's value (its tooltip gives the period and signals) nor the
    centre line's and limits' in the description; the y axis keeps its round values."""
    chart = _Chart(
        analysis,
        title=title,
        unit=unit,
        target=target,
        annotations=annotations,
        freeze=freeze,
        width=width,
        height=height,
        standalone=standalone,
        figures=figures,
    )
    description = describe(
        analysis,
        title=title,
        unit=unit,
        target=target,
        annotations=annotations,
        freeze=freeze,
        figures=figures,
    )
    # Ids unique to the drawing, so several charts on a page never share one; the same chart
    # gets the same ids each time, so a cached page is the same page.
    fingerprint = repr(
        (analysis, title, unit, target, tuple(annotations), freeze, width, height, figures)
    )
    ident = "chart-" + hashlib.blake2s(fingerprint.encode(), digest_size=5).hexdigest()
    return mark_safe(chart.svg(ident=ident, description=description))  # noqa: S308 (every label escaped by _text)


def _table_rows(analysis: spc.Analysis) -> list[dict]:
    """The chart's figures, a row a period, as its table shows them."""
    granularity = _granularity([row.period for row in analysis.rows])
    ratio = analysis.chart in ("p", "u")
    rows = []
    for row, signals in zip(analysis.rows, _signal_words(analysis), strict=True):
        value = number(_plottable(row.value))
        if ratio and row.numerator is not None and row.denominator is not None:
            value = f"{value} ({number(row.numerator)} of {number(row.denominator)})".lstrip()
        rows.append(
            {
                "period": period_name(row.period, granularity),
                "phase": row.phase,
                "value": value,
                "centre": number(_plottable(row.centre)),
                "lower": number(_plottable(row.lower)),
                "upper": number(_plottable(row.upper)),
                "signals": "; ".join(signals),
            }
        )
    return rows


def figure(
    analysis: spc.Analysis,
    *,
    title: str,
    unit: str = "",
    target: float | None = None,
    annotations: Sequence[Annotation] = (),
    freeze: int | None = None,
    width: int = 720,
    height: int = 320,
    svg_url: str = "",
    csv_url: str = "",
    json_url: str = "",
    figures: bool = True,
) -> dict:
    """Everything templates/projects/_chart.html shows: the drawing, its description, its
    figures as table rows and the download links given. Without `figures` (chart_svg), no
    figure of the data anywhere: no table, no downloads, none in the words."""
    rows = _table_rows(analysis) if figures else []
    return {
        "svg": chart_svg(
            analysis,
            title=title,
            unit=unit,
            target=target,
            annotations=annotations,
            freeze=freeze,
            width=width,
            height=height,
            figures=figures,
        ),
        "title": title,
        # The one sentence a busy reader needs ("a shift of 7 points below the median since
        # March 2026: an improvement"); the description below says everything the chart shows.
        "headline": spc.describe(analysis, unit=unit, figures=figures),
        "description": describe(
            analysis,
            title=title,
            unit=unit,
            target=target,
            annotations=annotations,
            freeze=freeze,
            figures=figures,
        ),
        "value_heading": f"Value ({unit})" if unit else "Value",
        "centre_name": _centre_name(analysis).capitalize(),
        "has_limits": any(row["lower"] or row["upper"] for row in rows),
        "has_phases": len({row.phase for row in analysis.rows}) > 1,
        # Without a signal anywhere a column of "None" says nothing the description does not.
        "has_signals": any(row["signals"] for row in rows),
        "rows": rows,
        "svg_url": svg_url if figures else "",
        "csv_url": csv_url if figures else "",
        "json_url": json_url if figures else "",
    }
