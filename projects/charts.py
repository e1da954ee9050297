# stand-in: the chart's interface with a plain drawing (points, centre line, limits, signal
# points as squares, the annotations' dates), so that the measures' pages can be built and tested
# before the chart itself arrives. The real module replaces this file whole.
"""Run and control charts, drawn on the server as SVG from an analysis (projects.spc)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.safestring import SafeString, mark_safe

from projects import spc

RULE_NAMES = {
    "outside": "Outside the limits",
    "shift": "Shift",
    "trend": "Trend",
    "runs": "Unusual number of runs",
    "long-run": "Unusually long run",
    "few-crossings": "Too few crossings",
    "two-of-three": "Two of three near a limit",
}


@dataclass(frozen=True)
class Annotation:
    on: date
    label: str
    kind: str  # "pdsa" or "note"


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
) -> SafeString:
    rows = analysis.rows
    amounts = [
        amount
        for row in rows
        for amount in (row.value, row.centre, row.lower, row.upper)
        if amount is not None
    ]
    if target is not None:
        amounts.append(float(target))
    low, high = (min(amounts), max(amounts)) if amounts else (0.0, 1.0)
    if high == low:
        high = low + 1

    def x(index: float) -> float:
        return 50 + (width - 70) * (index + 0.5) / max(len(rows), 1)

    def y(amount: float) -> float:
        return height - 30 - (height - 60) * (amount - low) / (high - low)

    parts = [
        f"<title>{html.escape(title)}</title>",
        f"<desc>{html.escape(spc.describe(analysis, unit=unit))}</desc>",
    ]
    points = [(x(i), y(row.value)) for i, row in enumerate(rows) if row.value is not None]
    if points:
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#767676"/>')
    for i, row in enumerate(rows):
        if row.centre is not None:
            parts.append(
                f'<line x1="{x(i - 0.5):.1f}" x2="{x(i + 0.5):.1f}" y1="{y(row.centre):.1f}"'
                f' y2="{y(row.centre):.1f}" stroke="#1a1a1a"/>'
            )
        if row.value is None:
            continue
        if row.signals:
            parts.append(
                f'<rect class="network-chart__signal" x="{x(i) - 4:.1f}" y="{y(row.value) - 4:.1f}"'
                f' width="8" height="8" fill="#005eb8"><title>'
                f"{html.escape(', '.join(RULE_NAMES[rule] for rule in row.signals))}</title></rect>"
            )
        else:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(row.value):.1f}" r="3" fill="#767676"/>')
    for number, note in enumerate(sorted(annotations, key=lambda note: note.on), start=1):
        parts.append(
            f'<text x="52" y="{14 * number}" font-size="11">{number}: {html.escape(note.label)}'
            f" ({note.on.isoformat()})</text>"
        )
    rules = sorted({signal.rule for signal in analysis.signals})
    if rules:
        legend = ", ".join(RULE_NAMES[rule] for rule in rules)
        parts.append(f'<text x="52" y="{height - 8}" font-size="11">{html.escape(legend)}</text>')
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    return mark_safe(  # noqa: S308 (every label escaped above)
        f'{head}<svg{namespace} class="network-chart" viewBox="0 0 {width} {height}"'
        f' role="img">{"".join(parts)}</svg>'
    )
