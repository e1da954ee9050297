"""Statistical process control for a project's measures: run charts and Shewhart control charts,
with the rules that tell a signal from the noise a process always makes.

Pure: numbers in, numbers out. No models, no other app. docs/spc.md gives every rule with its
source; the comments here say only why the code does what it does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

CHARTS = ("run", "i", "p", "u", "c")
RUN_RULES = ("ihi", "anhoj")
CONTROL_RULES = ("mdc", "anhoj")
DIRECTIONS = ("up", "down")
SIGNALS = ("outside", "shift", "trend", "runs", "long-run", "few-crossings", "two-of-three")

CSV_COLUMNS = (
    "period",
    "value",
    "numerator",
    "denominator",
    "phase",
    "centre",
    "lower",
    "upper",
    "signals",
)

# The I chart's limits are the mean ± 2.66 average moving ranges (3 / d2, d2 = 1.128 for
# ranges of two points), as in NHSRplotthedots and Provost & Murray. qicharts2 computes
# 3 / 1.128 = 2.6596 instead: its limits differ from these in the fourth significant figure.
I_CHART_LIMIT = 2.66
# Moving ranges at or above 3.267 average moving ranges (the MR chart's upper limit) are left out
# before the limits are worked out (Nelson 1982), as qicharts2 and NHSRplotthedots do by default.
MR_SCREEN = 3.267

IHI_SHIFT = 6
IHI_TREND = 5
MDC_SHIFT = 7
MDC_TREND = 7

# Perla, Provost & Murray (2011), table 1, after Swed & Eisenhart (1943): for a number of useful
# observations (points not on the median), fewer runs than the first number or more runs than
# the second are a signal.
IHI_RUNS_TABLE: dict[int, tuple[int, int]] = {
    10: (3, 9),
    11: (3, 10),
    12: (3, 11),
    13: (4, 11),
    14: (4, 12),
    15: (5, 12),
    16: (5, 13),
    17: (5, 13),
    18: (6, 14),
    19: (6, 15),
    20: (6, 16),
    21: (7, 16),
    22: (7, 17),
    23: (7, 17),
    24: (8, 18),
    25: (8, 18),
    26: (9, 19),
    27: (10, 19),
    28: (10, 20),
    29: (10, 20),
    30: (11, 21),
    31: (11, 22),
    32: (11, 23),
    33: (12, 23),
    34: (12, 24),
    35: (12, 24),
    36: (13, 25),
    37: (13, 25),
    38: (14, 26),
    39: (14, 26),
    40: (15, 27),
    41: (15, 27),
    42: (16, 28),
    43: (16, 28),
    44: (17, 29),
    45: (17, 30),
    46: (17, 30),
    47: (18, 31),
    48: (18, 31),
    49: (19, 32),
    50: (19, 32),
    51: (20, 33),
    52: (20, 33),
    53: (21, 34),
    54: (21, 35),
    55: (22, 35),
    56: (22, 36),
    57: (23, 36),
    58: (23, 37),
    59: (24, 38),
    60: (24, 38),
}

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class Sample:
    """One period's data as the team entered it."""

    period: date
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One plotted period with its lines: a line of the CSV download."""

    period: date
    value: float | None
    numerator: float | None
    denominator: float | None
    phase: int
    centre: float | None
    lower: float | None
    upper: float | None
    signals: tuple[str, ...]

    def as_json(self) -> dict:
        return {
            "period": self.period.isoformat(),
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "phase": self.phase,
            "centre": self.centre,
            "lower": self.lower,
            "upper": self.upper,
            "signals": list(self.signals),
        }

    def as_csv(self) -> list[str]:
        return [
            self.period.isoformat(),
            _csv_number(self.value),
            _csv_number(self.numerator),
            _csv_number(self.denominator),
            str(self.phase),
            _csv_number(self.centre),
            _csv_number(self.lower),
            _csv_number(self.upper),
            ";".join(self.signals),
        ]


@dataclass(frozen=True, slots=True)
class Signal:
    """One rule met by some points of one phase."""

    rule: str
    indices: tuple[int, ...]
    phase: int
    verdict: str | None
    side: str | None
    # What the rule counted (points in the run or trend, runs, crossings) and the number it was
    # held against; None for a single point outside the limits.
    observed: int | None = None
    limit: int | None = None

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "indices": list(self.indices),
            "phase": self.phase,
            "verdict": self.verdict,
            "side": self.side,
            "observed": self.observed,
            "limit": self.limit,
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    """A measure's chart: its rows, in date order, and the signals found in them."""

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
            "rows": [row.as_json() for row in self.rows],
            "signals": [signal.as_json() for signal in self.signals],
        }

    def as_csv_rows(self) -> list[list[str]]:
        """The CSV download: a header, then one line per period."""
        return [list(CSV_COLUMNS), *(row.as_csv() for row in self.rows)]


def analyse(
    *,
    chart: str,
    samples: Sequence[Sample],
    rules: str,
    direction: str,
    freeze: int | None = None,
    parts: Sequence[date] = (),
) -> Analysis:
    """Centre line, limits and signals of one measure, phase by phase."""
    _check_choices(chart=chart, rules=rules, direction=direction, freeze=freeze)
    ordered = sorted(samples, key=lambda sample: sample.period)
    count = len(ordered)
    values = np.array([_plotted(chart, sample) for sample in ordered], dtype=float)
    denominators = np.array([_number(sample.denominator) for sample in ordered], dtype=float)
    numerators = np.array([_number(sample.numerator) for sample in ordered], dtype=float)
    if not ordered:
        return Analysis(chart=chart, rules=rules, direction=direction, rows=(), signals=())
    phases = _phases([sample.period for sample in ordered], parts)

    centre = np.full(count, np.nan)
    sigma = np.full(count, np.nan)
    signals: list[Signal] = []
    starts = [0, *(i for i in range(1, count) if phases[i] != phases[i - 1]), count]
    for start, stop in itertools.pairwise(starts):
        phase = int(phases[start])
        baseline_stop = stop
        if phase == 1 and freeze is not None:
            baseline_stop = min(stop, start + freeze)
        centre[start:stop], sigma[start:stop] = _lines(
            chart,
            values[start:stop],
            numerators[start:stop],
            denominators[start:stop],
            baseline_stop - start,
        )
        signals += _phase_signals(
            chart=chart,
            rules=rules,
            direction=direction,
            phase=phase,
            first=start,
            values=values[start:stop],
            centre=centre[start:stop],
            sigma=sigma[start:stop],
        )

    lower, upper = _limits(chart, centre, sigma)
    signals.sort(key=lambda signal: (signal.indices[0], SIGNALS.index(signal.rule)))
    marks: dict[int, set[str]] = {}
    for signal in signals:
        for index in signal.indices:
            marks.setdefault(index, set()).add(signal.rule)
    columns = zip(
        ordered,
        _column(values),
        _column(numerators),
        _column(denominators),
        phases.tolist(),
        _column(centre),
        _column(lower),
        _column(upper),
        strict=True,
    )
    rows = tuple(
        Row(
            period=sample.period,
            value=value,
            numerator=numerator,
            denominator=denominator,
            phase=phase,
            centre=centre_line,
            lower=low,
            upper=high,
            signals=tuple(rule for rule in SIGNALS if rule in marks[i]) if i in marks else (),
        )
        for i, (sample, value, numerator, denominator, phase, centre_line, low, high) in enumerate(
            columns
        )
    )
    return Analysis(
        chart=chart, rules=rules, direction=direction, rows=rows, signals=tuple(signals)
    )


def describe(analysis: Analysis, *, unit: str = "", figures: bool = True) -> str:
    """One plain-English sentence about the latest signal (or that there is none); without
    `figures`, no point's value is told (a public summary's chart shows none)."""
    if not any(row.value is not None for row in analysis.rows):
        return "No data yet: add some points to see how the process is behaving."
    if not analysis.signals:
        return "No signal: the variation is what the process usually shows (common cause)."
    # A side says more than "not random", so a run or crossings count is told only when alone.
    sided = [s for s in analysis.signals if s.side is not None] or analysis.signals
    signal = max(sided, key=lambda s: (s.indices[-1], -_DESCRIBE_ORDER.index(s.rule)))
    rows = analysis.rows
    centre = "median" if analysis.chart == "run" else "mean"
    since = _month(rows[signal.indices[0]].period)
    verdict = f"an {signal.verdict}" if signal.verdict == "improvement" else "a concern"
    count = len(signal.indices)
    if signal.rule == "outside":
        row = rows[signal.indices[0]]
        limit = "upper" if signal.side == "above" else "lower"
        amount = f" ({_amount(row.value, unit)})" if figures else ""
        return f"A point {signal.side} the {limit} limit in {since}{amount}: {verdict}."
    if signal.rule == "shift":
        return f"A shift of {count} points {signal.side} the {centre} since {since}: {verdict}."
    if signal.rule == "long-run":
        return (
            f"An unusually long run of {count} points {signal.side} the {centre} "
            f"since {since}: {verdict}."
        )
    if signal.rule == "trend":
        going = "going up" if signal.side == "up" else "going down"
        return f"A trend of {count} points {going} since {since}: {verdict}."
    if signal.rule == "two-of-three":
        limit = "upper" if signal.side == "above" else "lower"
        return (
            f"Two of three points close to the {limit} limit in "
            f"{_month(rows[signal.indices[-1]].period)}: {verdict}."
        )
    if signal.rule == "few-crossings":
        return (
            f"The line crosses the {centre} unusually few times ({signal.observed}, "
            f"fewer than {signal.limit}): the process is shifting, not just varying."
        )
    amount = "few" if (signal.observed or 0) < (signal.limit or 0) else "many"
    return (
        f"Unusually {amount} runs around the {centre} ({signal.observed}): "
        "the variation is not random."
    )


_DESCRIBE_ORDER = ("outside", "shift", "trend", "two-of-three", "long-run", "runs", "few-crossings")


def anhoej_longest_run_limit(useful: int) -> int:
    """A run longer than this is unusual (Anhøj & Olesen 2014; qicharts2 `runs.analysis`)."""
    # R's round() rounds halves to even like Python's; log2 of a whole number is never x.5.
    return round(math.log2(useful)) + 3


@lru_cache(maxsize=1024)
def anhoej_crossings_limit(useful: int) -> int:
    """Fewer crossings than this are unusual: R's qbinom(0.05, useful - 1, 0.5), exactly."""
    trials = max(useful - 1, 0)
    # The smallest k with P(X <= k) >= 0.05, counted in whole numbers so nothing is rounded.
    whole = 2**trials
    cumulative = 0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k)
        if cumulative * 20 >= whole:
            return k
    return trials


def _check_choices(*, chart: str, rules: str, direction: str, freeze: int | None) -> None:
    if chart not in CHARTS:
        raise ValueError(f"Unknown chart {chart!r}: choose one of {', '.join(CHARTS)}.")
    allowed = RUN_RULES if chart == "run" else CONTROL_RULES
    if rules not in allowed:
        kind = "a run chart" if chart == "run" else "a control chart"
        raise ValueError(f"Unknown rules {rules!r} for {kind}: choose {' or '.join(allowed)}.")
    if direction not in DIRECTIONS:
        raise ValueError(f"Unknown direction {direction!r}: choose up or down.")
    if freeze is not None and freeze < 1:
        raise ValueError("A frozen baseline needs at least one point.")


def _number(raw: float | None) -> float:
    if raw is None:
        return math.nan
    number = float(raw)
    return number if math.isfinite(number) else math.nan


def _plotted(chart: str, sample: Sample) -> float:
    value = _number(sample.value)
    numerator = _number(sample.numerator)
    denominator = _number(sample.denominator)
    if chart in ("p", "u"):
        return numerator / denominator if denominator > 0 else math.nan
    if not math.isnan(value):
        return value
    # A measure kept as a numerator over a denominator still makes a run or I chart.
    if chart in ("run", "i") and denominator > 0:
        return numerator / denominator
    if chart == "c":
        return numerator
    return math.nan


def _phases(periods: list[date], parts: Sequence[date]) -> np.ndarray:
    phases = np.ones(len(periods), dtype=int)
    periods_array = np.array([period.toordinal() for period in periods], dtype=np.int64)
    for part in sorted(set(parts)):
        start = int(np.searchsorted(periods_array, part.toordinal(), side="left"))
        if 0 < start < len(periods):
            phases[start:] += 1
    # Two part dates that fall between the same two samples make one new phase, not two.
    _, renumbered = np.unique(phases, return_inverse=True)
    return renumbered + 1


def _lines(
    chart: str,
    values: np.ndarray,
    numerators: np.ndarray,
    denominators: np.ndarray,
    baseline: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Centre line and one sigma for each point of a phase, from its first `baseline` points."""
    count = len(values)
    centre = np.full(count, np.nan)
    sigma = np.full(count, np.nan)
    base = values[:baseline]
    present = base[~np.isnan(base)]
    if present.size == 0:
        return centre, sigma
    if chart == "run":
        centre[:] = np.median(present)
    elif chart in ("i", "c"):
        centre[:] = _mean(present)
    if chart == "i":
        # Ranges only between neighbouring periods: a missing period breaks the pair.
        ranges = np.abs(np.diff(base))
        ranges = ranges[~np.isnan(ranges)]
        if ranges.size:
            average = ranges.mean()
            if average > 0:
                average = ranges[ranges < MR_SCREEN * average].mean()
            sigma[:] = I_CHART_LIMIT * average / 3
    elif chart == "c":
        sigma[:] = math.sqrt(max(centre[0], 0.0))
    elif chart in ("p", "u"):
        used = ~np.isnan(base)
        rate = numerators[:baseline][used].sum() / denominators[:baseline][used].sum()
        centre[:] = rate
        usable = denominators > 0
        spread = rate * (1 - rate) if chart == "p" else rate
        sigma[usable] = np.sqrt(max(spread, 0.0) / denominators[usable])
    return centre, sigma


def _mean(present: np.ndarray) -> float:
    # A flat line's mean must be its value exactly, or every point would sit just off it.
    if present.min() == present.max():
        return float(present[0])
    return math.fsum(present.tolist()) / present.size


def _limits(chart: str, centre: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if chart == "run":
        empty = np.full(len(centre), np.nan)
        return empty, empty.copy()
    lower = centre - 3 * sigma
    upper = centre + 3 * sigma
    # Counts and proportions cannot go below 0 (or above 1); a centre outside that range means
    # the data are not counts, and the limits are then left as they are.
    if chart in ("p", "u", "c"):
        lower = np.where((lower < 0) & (centre >= 0), 0.0, lower)
    if chart == "p":
        upper = np.where((upper > 1) & (centre <= 1), 1.0, upper)
    return lower, upper


def _phase_signals(
    *,
    chart: str,
    rules: str,
    direction: str,
    phase: int,
    first: int,
    values: np.ndarray,
    centre: np.ndarray,
    sigma: np.ndarray,
) -> list[Signal]:
    present = np.flatnonzero(~np.isnan(values))
    if present.size == 0 or np.isnan(centre[0]):
        # No point, or no centre line: a frozen baseline with nothing in it.
        return []
    y = values[present]
    cl = centre[present]
    side = np.sign(y - cl).astype(int)
    where = (present + first).tolist()
    found: list[tuple[str, list[int], str | None, int | None, int | None]] = []

    if chart != "run":
        lower, upper = _limits(chart, cl, sigma[present])
        outside = (y > upper) | (y < lower)
        found += [
            ("outside", [where[k]], _above(side[k]), None, None) for k in np.flatnonzero(outside)
        ]
    if rules == "ihi":
        useful = side != 0
        found += _runs_of(where, side, length=IHI_SHIFT, skip_zero=True, rule="shift")
        found += _trends(where, y, length=IHI_TREND, skip_repeats=True)
        found += _ihi_runs(where, side, useful)
    elif rules == "mdc":
        found += _runs_of(where, side, length=MDC_SHIFT, skip_zero=False, rule="shift")
        found += _trends(where, y, length=MDC_TREND, skip_repeats=False)
        found += _two_of_three(where, y, cl, sigma[present], side, outside)
    else:
        found += _anhoej(where, side)

    return [
        Signal(
            rule=rule,
            indices=tuple(indices),
            phase=phase,
            verdict=_verdict(rule, side_name, direction),
            side=side_name,
            observed=observed,
            limit=limit,
        )
        for rule, indices, side_name, observed, limit in found
    ]


def _above(sign: int) -> str:
    return "above" if sign > 0 else "below"


def _verdict(rule: str, side: str | None, direction: str) -> str | None:
    if side is None:
        return None
    better = side in ("above", "up") if direction == "up" else side in ("below", "down")
    return "improvement" if better else "concern"


def _runs_of(where, side, *, length, skip_zero, rule):
    """Maximal runs of points on one side of the centre line, at least `length` long."""
    found = []
    run: list[int] = []
    run_side = 0
    for index, sign in zip(where, side.tolist(), strict=True):
        if sign == 0 and skip_zero:
            continue
        if sign != run_side:
            if run_side != 0 and len(run) >= length:
                found.append((rule, run, _above(run_side), len(run), length))
            run, run_side = [], sign
        run.append(index)
    if run_side != 0 and len(run) >= length:
        found.append((rule, run, _above(run_side), len(run), length))
    return found


def _trends(where, y, *, length, skip_repeats):
    """Maximal stretches of points each higher (or each lower) than the one before."""
    points = list(zip(where, y.tolist(), strict=True))
    if skip_repeats:
        # A value equal to the one before neither makes nor breaks a trend (Perla et al.).
        points = [p for k, p in enumerate(points) if k == 0 or p[1] != points[k - 1][1]]
    found = []
    run = points[:1]
    heading = 0
    for previous, point in itertools.pairwise(points):
        step = (point[1] > previous[1]) - (point[1] < previous[1])
        if step != 0 and step == heading:
            run.append(point)
            continue
        if heading != 0 and len(run) >= length:
            found.append(_trend(run, heading, length))
        run, heading = [previous, point], step
    if heading != 0 and len(run) >= length:
        found.append(_trend(run, heading, length))
    return found


def _trend(run, heading, length):
    return ("trend", [index for index, _ in run], "up" if heading > 0 else "down", len(run), length)


def _ihi_runs(where, side, useful):
    count = int(useful.sum())
    if count not in IHI_RUNS_TABLE:
        # Fewer than 10 useful points, or more than the published table covers.
        return []
    signs = side[useful]
    runs = int(np.count_nonzero(signs[1:] != signs[:-1])) + 1
    fewest, most = IHI_RUNS_TABLE[count]
    indices = [index for index, keep in zip(where, useful.tolist(), strict=True) if keep]
    if runs < fewest:
        return [("runs", indices, None, runs, fewest)]
    if runs > most:
        return [("runs", indices, None, runs, most)]
    return []


def _anhoej(where, side):
    useful = side != 0
    count = int(useful.sum())
    if count == 0:
        return []
    longest = anhoej_longest_run_limit(count)
    found = [
        ("long-run", indices, side_name, observed, longest)
        for _, indices, side_name, observed, _ in _runs_of(
            where, side, length=longest + 1, skip_zero=True, rule="long-run"
        )
    ]
    signs = side[useful]
    crossings = int(np.count_nonzero(signs[1:] != signs[:-1]))
    fewest = anhoej_crossings_limit(count)
    if crossings < fewest:
        indices = [index for index, keep in zip(where, useful.tolist(), strict=True) if keep]
        found.append(("few-crossings", indices, None, crossings, fewest))
    return found


def _two_of_three(where, y, cl, sigma, side, outside):
    """Two of three points in a row beyond two sigma, all three on one side (NHSRplotthedots)."""
    # A point beyond the limits is a signal of its own and, as in NHSRplotthedots, does not count
    # as "close to the limit" here.
    close = ~outside & ((y > cl + 2 * sigma) | (y < cl - 2 * sigma))
    if len(where) < 3:
        return []
    sides = side[:-2] + side[1:-1] + side[2:]
    closes = close[:-2].astype(int) + close[1:-1] + close[2:]
    found = []
    group: list[int] = []
    group_side = 0
    for k in np.flatnonzero((np.abs(sides) == 3) & (closes >= 2)).tolist():
        members = [where[j] for j in range(k, k + 3) if close[j]]
        sign = 1 if sides[k] > 0 else -1
        if group and sign == group_side and members[0] <= group[-1]:
            group += [index for index in members if index > group[-1]]
            continue
        if group:
            found.append(("two-of-three", group, _above(group_side), len(group), 2))
        group, group_side = members, sign
    if group:
        found.append(("two-of-three", group, _above(group_side), len(group), 2))
    return found


def _column(numbers: np.ndarray) -> list[float | None]:
    return [None if number != number else number for number in numbers.tolist()]


def _csv_number(number: float | None) -> str:
    return "" if number is None else repr(number)


def _month(period: date) -> str:
    return f"{MONTH_NAMES[period.month - 1]} {period.year}"


def _amount(value: float | None, unit: str) -> str:
    number = f"{value:g}" if value is not None else "no value"
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"
