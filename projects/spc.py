# stand-in: the interface of the analysis engine with only a centre line worked out, so the
# charts can be drawn and tested before the engine itself arrives; it marks no signals and
# draws no limits. The real module replaces this file whole.
"""Run and control chart analysis: the centre lines, limits and signals of a measure."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

CHARTS = ("run", "i", "p", "u", "c")
RUN_RULES = ("ihi", "anhoj")
CONTROL_RULES = ("mdc", "anhoj")
DIRECTIONS = ("up", "down")
SIGNALS = ("outside", "shift", "trend", "runs", "long-run", "few-crossings", "two-of-three")


@dataclass(frozen=True)
class Sample:
    period: date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Row:
    period: date
    value: float | None
    numerator: float | None
    denominator: float | None
    phase: int
    centre: float | None
    lower: float | None
    upper: float | None
    signals: tuple[str, ...]


@dataclass(frozen=True)
class Signal:
    rule: str
    indices: tuple[int, ...]
    phase: int
    verdict: str | None
    side: str | None


@dataclass(frozen=True)
class Analysis:
    chart: str
    rules: str
    direction: str
    rows: tuple[Row, ...]
    signals: tuple[Signal, ...]

    def as_json(self) -> dict:
        return {
            "chart": self.chart,
            "rules": self.rules,
            "direction": self.direction,
            "rows": [
                {
                    "period": row.period.isoformat(),
                    "value": row.value,
                    "numerator": row.numerator,
                    "denominator": row.denominator,
                    "phase": row.phase,
                    "centre": row.centre,
                    "lower": row.lower,
                    "upper": row.upper,
                    "signals": list(row.signals),
                }
                for row in self.rows
            ],
            "signals": [
                {
                    "rule": signal.rule,
                    "indices": list(signal.indices),
                    "phase": signal.phase,
                    "verdict": signal.verdict,
                    "side": signal.side,
                }
                for signal in self.signals
            ],
        }


def _plotted(chart: str, sample: Sample) -> float | None:
    if chart in ("p", "u"):
        if sample.numerator is None or not sample.denominator:
            return None
        return sample.numerator / sample.denominator
    return sample.value


def analyse(
    *,
    chart: str,
    samples: Sequence[Sample],
    rules: str,
    direction: str,
    freeze: int | None = None,
    parts: Sequence[date] = (),
) -> Analysis:
    if chart not in CHARTS:
        raise ValueError(f"There is no {chart!r} chart: choose one of {', '.join(CHARTS)}.")
    allowed = RUN_RULES if chart == "run" else CONTROL_RULES
    if rules not in allowed:
        raise ValueError(f"A {chart} chart reads the {' or '.join(allowed)} rules, not {rules!r}.")
    if direction not in DIRECTIONS:
        raise ValueError(f"Better is 'up' or 'down', not {direction!r}.")
    ordered = sorted(samples, key=lambda sample: sample.period)
    starts = sorted(parts)
    phases = [1 + sum(1 for start in starts if sample.period >= start) for sample in ordered]
    values = [_plotted(chart, sample) for sample in ordered]
    centre_of = statistics.median if chart == "run" else statistics.fmean
    centres: dict[int, float | None] = {}
    for phase in sorted(set(phases)):
        present = [v for v, p in zip(values, phases, strict=True) if p == phase and v is not None]
        if phase == phases[0] and freeze:
            present = present[:freeze]
        centres[phase] = centre_of(present) if present else None
    rows = tuple(
        Row(
            period=sample.period,
            value=value,
            numerator=sample.numerator,
            denominator=sample.denominator,
            phase=phase,
            centre=centres[phase],
            lower=None,
            upper=None,
            signals=(),
        )
        for sample, value, phase in zip(ordered, values, phases, strict=True)
    )
    return Analysis(chart=chart, rules=rules, direction=direction, rows=rows, signals=())
