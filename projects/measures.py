"""A project's measures: their definitions, their figures (typed in a table or uploaded as CSV),
their phases, and what their charts show.

Whoever may change the project's measures is asked of Project.objects.editable_by, never written
again here. Every change to the figures, phases or rules analyses the measure once more and keeps
what the latest analysis showed on the measure itself (verdict, verdict_since, analysed_at), so
that lists, the impact page and the prompt to share a story read one column.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from base.errors import NotFound
from base.fields import single_line
from base.spreadsheets import FORMULA_STARTS
from members.models import User
from projects import charts, spc
from projects.models import Cycle, Measure, Phase, Project, Sample
from projects.services import project_touch

# The rule sets each kind of chart reads (docs/spc.md).
RULES_FOR_CHART = {
    Measure.Chart.RUN: (Measure.Rules.IHI, Measure.Rules.ANHOJ),
    Measure.Chart.INDIVIDUALS: (Measure.Rules.MDC, Measure.Rules.ANHOJ),
    Measure.Chart.P: (Measure.Rules.MDC, Measure.Rules.ANHOJ),
    Measure.Chart.U: (Measure.Rules.MDC, Measure.Rules.ANHOJ),
    Measure.Chart.C: (Measure.Rules.MDC, Measure.Rules.ANHOJ),
}
# Charts of a proportion or a rate: a numerator over a denominator, not a value.
RATIO_CHARTS = (Measure.Chart.P, Measure.Chart.U)
# The signals that say the process has moved and stayed moved (or jumped past a limit), as
# opposed to the runs rules that say only "not random": the measure's verdict reads these.
SUSTAINED = ("shift", "trend", "long-run", "outside")

# The columns of the CSV download, in order; an upload takes the same file back.
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
# Columns an upload reads; the analysis' own columns come back unchanged and are left alone.
UPLOAD_READS = ("period", "value", "numerator", "denominator", "note")
UPLOAD_LEAVES = ("phase", "centre", "lower", "upper", "signals")
PERIOD_ALIASES = ("date", "week", "month", "sample")
UPLOAD_MAX_BYTES = 1024 * 1024
UPLOAD_MAX_ROWS = 5000
# A figure must fit the database's column (14 digits, 4 after the point).
LARGEST = Decimal("9999999999.9999")
NOTE_LENGTH = 200

MONTHS = (
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
_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(MONTHS, start=1)} | {
    name[:3].lower(): number for number, name in enumerate(MONTHS, start=1)
}


class MeasureError(Exception):
    """A change to a measure that its rules refuse, with the reason in the member's words."""


class FileRefused(Exception):
    """An uploaded file that cannot be read as a measure's figures, with the reason."""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one row of figures, in the member's words."""

    row: int
    field: str  # the column at fault ("period", "value", ...), or "" for the whole row
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.reason}"


class BadRows(Exception):
    """Rows of figures that cannot be saved; none of the rows given was saved."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = list(problems)

    @property
    def rows(self) -> list[int]:
        return sorted({problem.row for problem in self.problems})


@dataclass(frozen=True)
class Entry:
    """One row of figures as the member typed or uploaded it: text, not yet checked."""

    row: int
    period: str = ""
    value: str = ""
    numerator: str = ""
    denominator: str = ""
    note: str | None = ""  # None: the file had no note column, so a note kept stays
    sample: int | None = None  # the stored sample a row of the table shows
    remove: bool = False

    def blank(self) -> bool:
        return self.sample is None and not any(
            (self.period, self.value, self.numerator, self.denominator, self.note)
        )


@dataclass(frozen=True)
class Figures:
    """A row of figures, checked."""

    row: int
    period: date
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str | None = ""
    sample: int | None = None
    remove: bool = False


@dataclass(frozen=True)
class DataChange:
    added: int = 0
    replaced: int = 0
    removed: int = 0
    ignored_columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{self.added} {_rows(self.added)} added")
        if self.replaced:
            parts.append(f"{self.replaced} changed")
        if self.removed:
            parts.append(f"{self.removed} removed")
        said = ", ".join(parts) if parts else "Nothing changed"
        said = said[0].upper() + said[1:] + "."
        if self.ignored_columns:
            names = ", ".join(self.ignored_columns)
            said += (
                f" The column{'s' if len(self.ignored_columns) > 1 else ''} {names} went unread."
            )
        return said


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"


# --- who may change a measure ---------------------------------------------------------------


def _check_edits(*, project: Project, by: User) -> None:
    if not Project.objects.editable_by(by).filter(pk=project.pk).exists():
        raise NotFound


def rules_allowed(chart: str) -> tuple[str, ...]:
    return RULES_FOR_CHART.get(chart, ())


# --- the measure ----------------------------------------------------------------------------


def measure_create(*, project: Project, by: User, measure: Measure) -> Measure:
    """Add a measure to the project, after its others."""
    _check_edits(project=project, by=by)
    with transaction.atomic():
        last = project.measures.aggregate(last=Max("position"))["last"]
        measure.project = project
        measure.position = 0 if last is None else last + 1
        measure.save()
        measure_analysed(measure)
    project_touch(project=project)
    return measure


def measure_update(*, measure: Measure, by: User) -> Measure:
    """Save a measure's changed definition; its chart, rules or direction may read its figures
    differently, so it is analysed again."""
    _check_edits(project=measure.project, by=by)
    with transaction.atomic():
        measure.save()
        measure_analysed(measure)
    project_touch(project=measure.project)
    return measure


def measure_delete(*, measure: Measure, by: User) -> None:
    _check_edits(project=measure.project, by=by)
    measure.delete()
    project_touch(project=measure.project)


# --- analysis -------------------------------------------------------------------------------


def _number(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount)


def measure_analysis(measure: Measure) -> spc.Analysis:
    """The measure's figures analysed by its chart, rules and direction, with its baseline
    frozen and a new phase from each of its phases' dates. Reads measure.samples.all() and
    measure.phases.all(), so a prefetched list of measures costs no query here."""
    samples = [
        spc.Sample(
            period=sample.period,
            value=_number(sample.value),
            numerator=_number(sample.numerator),
            denominator=_number(sample.denominator),
        )
        for sample in _in_order(measure.samples.all())
    ]
    return spc.analyse(
        chart=measure.chart,
        samples=samples,
        rules=measure.rules,
        direction=measure.direction,
        freeze=measure.baseline or None,
        parts=[phase.starts_on for phase in measure.phases.all()],
    )


def _in_order(samples: Iterable[Sample]) -> list[Sample]:
    # The analysis keeps the order it is given within a date; this order is the table's and
    # the CSV's, so a row of the analysis is the sample at the same place.
    return sorted(samples, key=lambda sample: (sample.period, sample.pk or 0))


def latest_verdict(analysis: spc.Analysis) -> tuple[str, date | None]:
    """Improvement or concern from the most recent sustained signal (a shift, trend, long
    run or a point outside the limits) in the latest phase, and the date of its first point;
    ("", None) when there is none."""
    if not analysis.rows:
        return "", None
    latest_phase = analysis.rows[-1].phase
    sustained = [
        signal
        for signal in analysis.signals
        if signal.rule in SUSTAINED and signal.phase == latest_phase and signal.verdict
    ]
    if not sustained:
        return "", None
    latest = max(sustained, key=lambda signal: (max(signal.indices), -min(signal.indices)))
    return latest.verdict, analysis.rows[min(latest.indices)].period


def measure_analysed(measure: Measure) -> spc.Analysis:
    """Analyse the measure afresh and keep what it shows now."""
    # Fresh figures, not the ones a caller may have prefetched before changing them.
    for name in ("samples", "phases"):
        getattr(measure, "_prefetched_objects_cache", {}).pop(name, None)
    analysis = measure_analysis(measure)
    measure.verdict, measure.verdict_since = latest_verdict(analysis)
    measure.analysed_at = timezone.now()
    Measure.objects.filter(pk=measure.pk).update(
        verdict=measure.verdict,
        verdict_since=measure.verdict_since,
        analysed_at=measure.analysed_at,
    )
    return analysis


# --- how periods are written ----------------------------------------------------------------


def period_start(period: str, on: date) -> date:
    """A week's figures belong to its Monday, a month's to its first day."""
    if period == Measure.Period.WEEK:
        return on - timedelta(days=on.weekday())
    if period == Measure.Period.MONTH:
        return on.replace(day=1)
    return on


def period_label(period: str, on: date) -> str:
    if period == Measure.Period.MONTH:
        return f"{MONTHS[on.month - 1]} {on.year}"
    if period == Measure.Period.WEEK:
        return f"Week of {on.day} {MONTHS[on.month - 1][:3]} {on.year}"
    return f"{on.day} {MONTHS[on.month - 1]} {on.year}"


def period_heading(period: str) -> str:
    return {
        Measure.Period.WEEK: "Week beginning",
        Measure.Period.MONTH: "Month",
    }.get(period, "Date of the sample")


def period_written(period: str, on: date) -> str:
    """A period as the figures table shows it in its box, ready to be read back."""
    if period == Measure.Period.MONTH:
        return f"{MONTHS[on.month - 1]} {on.year}"
    return on.strftime("%d/%m/%Y")


def _next_period(period: str, on: date) -> date:
    if period == Measure.Period.WEEK:
        return on + timedelta(days=7)
    if period == Measure.Period.MONTH:
        return date(on.year + on.month // 12, on.month % 12 + 1, 1)
    return on + timedelta(days=1)


# --- what the chart and its page show -------------------------------------------------------


@dataclass(frozen=True)
class MeasureShown:
    """A measure with its analysis, drawn and described."""

    measure: Measure
    analysis: spc.Analysis
    chart: str
    description: str

    @property
    def rows(self) -> list[dict]:
        return table_rows(self.measure, self.analysis)

    @property
    def ratio(self) -> bool:
        return self.measure.chart in RATIO_CHARTS

    @property
    def period_heading(self) -> str:
        return period_heading(self.measure.period)

    @property
    def phased(self) -> bool:
        return bool(self.analysis.rows) and self.analysis.rows[-1].phase > 1


def annotations(
    measure: Measure, analysis: spc.Analysis, cycles: Sequence[Cycle]
) -> list[charts.Annotation]:
    """The project's PDSA cycles at the dates they started, and the notes of the figures, for
    the dates the chart covers."""
    if not analysis.rows:
        return []
    first = analysis.rows[0].period
    end = _next_period(measure.period, analysis.rows[-1].period)
    marks = [
        charts.Annotation(
            on=cycle.started_on, label=f"PDSA {cycle.number}: {cycle.idea.title}", kind="pdsa"
        )
        for cycle in cycles
        if cycle.started_on and first <= cycle.started_on < end
    ]
    marks += [
        charts.Annotation(on=sample.period, label=sample.note, kind="note")
        for sample in _in_order(measure.samples.all())
        if sample.note
    ]
    return sorted(marks, key=lambda mark: mark.on)


def project_cycles(project: Project) -> list[Cycle]:
    """The project's cycles that have started, to mark on its charts."""
    return list(
        Cycle.objects.filter(idea__project=project, started_on__isnull=False)
        .select_related("idea")
        .order_by("started_on", "pk")
    )


def measure_shown(
    measure: Measure,
    *,
    cycles: Sequence[Cycle] = (),
    marked: bool = True,
    width: int = 720,
    height: int = 320,
    standalone: bool = False,
) -> MeasureShown:
    """The measure's chart and its words. `marked`: with the PDSA cycles and notes (members);
    a public chart shows the figures' shape alone."""
    analysis = measure_analysis(measure)
    return MeasureShown(
        measure=measure,
        analysis=analysis,
        chart=charts.chart_svg(
            analysis,
            title=measure.title,
            unit=measure.unit,
            target=_number(measure.target),
            annotations=annotations(measure, analysis, cycles) if marked else (),
            freeze=measure.baseline or None,
            width=width,
            height=height,
            standalone=standalone,
        ),
        description=spc.describe(analysis, unit=measure.unit),
    )


def written(amount: float | Decimal | None) -> str:
    """A figure as a table shows it: 1,250, 12.5, 0.833; blank for none."""
    if amount is None:
        return ""
    amount = float(amount)
    if amount == round(amount):
        return f"{amount:,.0f}"
    decimals = 1 if abs(amount) >= 100 else 2 if abs(amount) >= 1 else 3
    return f"{amount:,.{decimals}f}".rstrip("0").rstrip(".")


SIGNAL_NAMES = {
    "outside": "outside the limits",
    "shift": "shift",
    "trend": "trend",
    "runs": "unusual number of runs",
    "long-run": "unusually long run",
    "few-crossings": "too few crossings",
    "two-of-three": "two of three near a limit",
}


def table_rows(measure: Measure, analysis: spc.Analysis) -> list[dict]:
    """The chart's data table: a row a period, with its lines, signals and note."""
    samples = _in_order(measure.samples.all())
    return [
        {
            "period": period_label(measure.period, row.period),
            "value": written(row.value),
            "numerator": written(sample.numerator),
            "denominator": written(sample.denominator),
            "phase": row.phase,
            "centre": written(row.centre),
            "lower": written(row.lower),
            "upper": written(row.upper),
            "signals": [SIGNAL_NAMES.get(rule, rule) for rule in row.signals],
            "note": sample.note,
        }
        for row, sample in zip(analysis.rows, samples, strict=True)
    ]


def measures_section(*, project: Project, viewer) -> dict:
    """The measures on the project's page: every measure with its small chart for members; the
    charts alone (no data, no notes, no cycles) for visitors to a public summary whose team
    chose to show them; nothing otherwise. A fixed number of queries for any number of
    measures."""
    if not (project.viewer_reads or project.public_charts):
        return {"measures": []}
    measures = list(project.measures.prefetch_related("samples", "phases"))
    cycles = project_cycles(project) if project.viewer_reads and measures else []
    return {
        "measures": [
            measure_shown(
                measure, cycles=cycles, marked=project.viewer_reads, width=560, height=260
            )
            for measure in measures
        ]
    }


# --- downloads ------------------------------------------------------------------------------


def _figure(amount) -> Decimal | str:
    # A Decimal, not text: the CSV writer's formula guard leaves numbers alone, so a negative
    # figure is not written as text; repr keeps a float's shortest exact form.
    if amount is None:
        return ""
    if isinstance(amount, Decimal):
        return Decimal(figure_written(amount))
    if amount == int(amount):
        return Decimal(int(amount))
    return Decimal(repr(amount))


def figure_written(amount: Decimal | None) -> str:
    """A stored figure as a person writes it: 12.5, not 12.5000 (nor 1.25E+1)."""
    if amount is None:
        return ""
    return format(amount.normalize(), "f")


def csv_rows(measure: Measure, analysis: spc.Analysis) -> list[list]:
    """The CSV download after its header: a row a period, figures as numbers."""
    samples = _in_order(measure.samples.all())
    return [
        [
            row.period.isoformat(),
            # The figure as typed, or the proportion or rate the chart plots.
            _figure(row.value if measure.chart in RATIO_CHARTS else sample.value),
            _figure(sample.numerator),
            _figure(sample.denominator),
            row.phase,
            _figure(row.centre),
            _figure(row.lower),
            _figure(row.upper),
            ";".join(row.signals),
        ]
        for row, sample in zip(analysis.rows, samples, strict=True)
    ]


def measure_json(measure: Measure, analysis: spc.Analysis) -> dict:
    """The JSON download: the analysis (rows, rule set, signals with their rule, points and
    verdict) and what the measure is."""
    return {
        "measure": {
            "title": measure.title,
            "type": measure.kind,
            "definition": measure.definition,
            "unit": measure.unit,
            "direction": measure.direction,
            "target": _number(measure.target),
            "period": measure.period,
            "baseline": measure.baseline,
            "phases": [
                {"starts_on": phase.starts_on.isoformat(), "label": phase.label}
                for phase in measure.phases.all()
            ],
        },
        **analysis.as_json(),
    }


def download_name(measure: Measure, extension: str) -> str:
    title = slugify(measure.title)[:60] or "measure"
    return f"{measure.project.slug[:60]}-{title}.{extension}"


# --- reading figures ------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{4})")
_NAMED_MONTH = re.compile(r"([A-Za-z]+)\.?[ \-](\d{4})")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def parse_period(text: str, period: str) -> date | None:
    """A date as written in a table or a spreadsheet: 2026-03-31 or 31/03/2026 (and, for a
    month's figures, 2026-03, 03/2026 or March 2026). None if it is not a date."""
    text = text.strip()
    day = month = year = None
    if found := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in found.groups())
    elif found := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(part) for part in found.groups())
    elif period == Measure.Period.MONTH:
        day = 1
        if found := _ISO_MONTH.fullmatch(text):
            year, month = (int(part) for part in found.groups())
        elif found := _MONTH_YEAR.fullmatch(text):
            month, year = (int(part) for part in found.groups())
        elif (found := _NAMED_MONTH.fullmatch(text)) and (found.group(1).lower() in _MONTH_NUMBERS):
            month, year = _MONTH_NUMBERS[found.group(1).lower()], int(found.group(2))
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_figure(text: str) -> Decimal | None:
    """A number as a person or a spreadsheet writes it (12, 12.5, 1,250); None if it is not."""
    text = text.strip().replace(" ", "")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover (the pattern lets through only numbers)
        return None


def _check_figure(
    entry: Entry, column: str, *, required: str, whole: bool, at_least: str
) -> tuple[Decimal | None, list[Problem]]:
    """One figure of a row, read and held to its chart's rules."""
    text = getattr(entry, column).strip()
    if not text:
        return None, [Problem(entry.row, column, required)]
    amount = parse_figure(text)
    if amount is None:
        return None, [Problem(entry.row, column, f"{_shown(text)} is not a number")]
    if abs(amount) > LARGEST:
        return None, [Problem(entry.row, column, f"{_shown(text)} is too large")]
    if at_least == "positive" and amount <= 0:
        return None, [Problem(entry.row, column, f"the {column} must be more than 0")]
    if at_least == "zero" and amount < 0:
        return None, [Problem(entry.row, column, f"the {column} cannot be less than 0")]
    if whole and amount != amount.to_integral_value():
        return None, [Problem(entry.row, column, f"the {column} must be a whole number")]
    return amount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), []


def _check_entry(measure: Measure, entry: Entry) -> tuple[Figures | None, list[Problem]]:
    if entry.remove and entry.sample is not None:
        return Figures(row=entry.row, period=date.min, sample=entry.sample, remove=True), []
    problems: list[Problem] = []
    when = None
    period_text = entry.period.strip()
    if not period_text:
        problems.append(
            Problem(entry.row, "period", f"give the {period_heading(measure.period).lower()}")
        )
    else:
        when = parse_period(period_text, measure.period)
        if when is None:
            problems.append(Problem(entry.row, "period", f"{_shown(period_text)} is not a date"))
        else:
            when = period_start(measure.period, when)
    figures: dict[str, Decimal | None] = {}
    if measure.chart in RATIO_CHARTS:
        counted = "the count of events" if measure.chart == Measure.Chart.U else "the numerator"
        figures["numerator"], found = _check_figure(
            entry, "numerator", required=f"give {counted}", whole=True, at_least="zero"
        )
        problems += found
        figures["denominator"], found = _check_figure(
            entry,
            "denominator",
            required="give the denominator",
            whole=measure.chart == Measure.Chart.P,
            at_least="positive",
        )
        problems += found
        numerator, denominator = figures["numerator"], figures["denominator"]
        if (
            measure.chart == Measure.Chart.P
            and numerator is not None
            and denominator is not None
            and numerator > denominator
        ):
            problems.append(
                Problem(
                    entry.row,
                    "numerator",
                    f"the numerator ({_figure(numerator)}) is more than the denominator"
                    f" ({_figure(denominator)}): a proportion cannot be more than all of them",
                )
            )
    else:
        count = measure.chart == Measure.Chart.C
        figures["value"], found = _check_figure(
            entry,
            "value",
            required="give the count" if count else "give the value",
            whole=count,
            at_least="zero" if count else "",
        )
        problems += found
    note = entry.note
    if note is not None:
        note = single_line(" ".join(note.split()))
        if len(note) > NOTE_LENGTH:
            problems.append(
                Problem(entry.row, "note", f"the note is longer than {NOTE_LENGTH} characters")
            )
    if problems:
        return None, problems
    return Figures(row=entry.row, period=when, note=note, sample=entry.sample, **figures), []


def entries_check(
    *, measure: Measure, entries: Iterable[Entry]
) -> tuple[list[Figures], list[Problem]]:
    """Every row that is not blank, checked against the measure's chart: the rows that are
    right, and a problem for each one that is not."""
    checked: list[Figures] = []
    problems: list[Problem] = []
    for entry in entries:
        if entry.blank():
            continue
        figures, found = _check_entry(measure, entry)
        problems += found
        if figures is not None:
            checked.append(figures)
    return checked, problems


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise BadRows(sorted(problems, key=lambda problem: problem.row))


def _one_a_period(measure: Measure, figures: Sequence[Figures], where: str) -> list[Problem]:
    """Weeks and months have one row each: the second row for one is named."""
    if measure.period == Measure.Period.SAMPLE:
        return []
    first_row: dict[date, int] = {}
    problems = []
    for row in figures:
        if row.remove:
            continue
        if row.period in first_row:
            problems.append(
                Problem(
                    row.row,
                    "period",
                    f"{period_label(measure.period, row.period)} is already on row"
                    f" {first_row[row.period]} {where}: give each"
                    f" {'week' if measure.period == Measure.Period.WEEK else 'month'} one row",
                )
            )
        else:
            first_row[row.period] = row.row
    return problems


def _lock(measure: Measure) -> None:
    # Two people saving figures at once must not both add the same month.
    Measure.objects.select_for_update().filter(pk=measure.pk).first()


def _fill(sample: Sample, figures: Figures) -> bool:
    """Put the checked figures on a stored sample; True if anything changed."""
    before = (sample.period, sample.value, sample.numerator, sample.denominator, sample.note)
    sample.period = figures.period
    sample.value = figures.value
    sample.numerator = figures.numerator
    sample.denominator = figures.denominator
    if figures.note is not None:
        sample.note = figures.note
    return before != (
        sample.period,
        sample.value,
        sample.numerator,
        sample.denominator,
        sample.note,
    )


def _changed(measure: Measure, change: DataChange) -> DataChange:
    if change.added or change.replaced or change.removed:
        measure_analysed(measure)
        project_touch(project=measure.project)
    return change


def data_enter(*, measure: Measure, by: User, entries: Sequence[Entry]) -> DataChange:
    """The figures typed in the table: rows shown changed or removed, new rows added. Nothing
    is saved unless every row is right (BadRows names each one that is not)."""
    _check_edits(project=measure.project, by=by)
    with transaction.atomic():
        _lock(measure)
        figures, problems = entries_check(measure=measure, entries=entries)
        stored = {sample.pk: sample for sample in measure.samples.all()}
        problems += [
            Problem(row.row, "", "this row was removed by someone else: reload the page")
            for row in figures
            if not row.remove and row.sample is not None and row.sample not in stored
        ]
        problems += _one_a_period(measure, figures, "of the table")
        if measure.period != Measure.Period.SAMPLE:
            shown = {row.sample for row in figures if row.sample is not None}
            elsewhere = {
                sample.period for pk, sample in stored.items() if pk not in shown
            }  # figures kept that this table does not show (another page of it)
            problems += [
                Problem(
                    row.row,
                    "period",
                    f"{period_label(measure.period, row.period)} already has figures:"
                    " change them on their own row",
                )
                for row in figures
                if not row.remove and row.period in elsewhere
            ]
        _refuse(problems)
        removed = [row.sample for row in figures if row.remove and row.sample in stored]
        changed, new = [], []
        for row in figures:
            if row.remove:
                continue
            if row.sample is None:
                sample = Sample(measure=measure)
                _fill(sample, row)
                new.append(sample)
            elif _fill(stored[row.sample], row):
                changed.append(stored[row.sample])
        Sample.objects.filter(measure=measure, pk__in=removed).delete()
        Sample.objects.bulk_update(changed, ["period", "value", "numerator", "denominator", "note"])
        Sample.objects.bulk_create(new)
        return _changed(
            measure, DataChange(added=len(new), replaced=len(changed), removed=len(removed))
        )


# --- CSV upload -----------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRefused("This file is not a CSV file we can read.") from None
    # Excel's "CSV UTF-8" starts with a byte-order mark; its plain "CSV" is in the Windows
    # code page, which every byte but five decodes in; Latin-1 takes whatever is left.
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused("This file is not a CSV file we can read.")  # pragma: no cover


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _column_name(cell: str) -> str:
    name = cell.strip().strip("\ufeff").strip().lower()
    return "period" if name in PERIOD_ALIASES else ("note" if name == "notes" else name)


def _unguarded(note: str) -> str:
    # Our own download puts an apostrophe before a note that a spreadsheet would run as a
    # formula (base.spreadsheets); the same file uploaded again keeps the note as it was.
    if len(note) > 1 and note[0] == "'" and note[1] in FORMULA_STARTS:
        return note[1:]
    return note


def read_csv(upload, *, measure: Measure) -> tuple[list[Entry], tuple[str, ...]]:
    """The rows of an uploaded CSV file as entries, and the columns it had that are not read;
    FileRefused if the file itself cannot be read (too large, not CSV, no header, no figures)."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".csv"):
        raise FileRefused("Choose a CSV file: its name ends in .csv.")
    if (upload.size or 0) > UPLOAD_MAX_BYTES:
        raise FileRefused("The file is larger than 1 MB: choose the CSV of this measure's figures.")
    upload.seek(0)
    raw = upload.read(UPLOAD_MAX_BYTES + 1)
    if len(raw) > UPLOAD_MAX_BYTES:
        raise FileRefused("The file is larger than 1 MB: choose the CSV of this measure's figures.")
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            "This is a spreadsheet workbook, not a CSV file: in Excel choose File, Save As,"
            " and CSV UTF-8, then upload that file."
        )
    text = _decode(raw)
    if _CONTROL.search(text):
        raise FileRefused("This file is not a CSV file: it holds data that is not text.")
    if not text.strip().strip("\ufeff").strip():
        raise FileRefused("The file is empty.")
    first_line = text.lstrip().splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[str, int] | None = None
    ignored: list[str] = []
    entries: list[Entry] = []
    number = 0
    try:
        for number, record in enumerate(records, start=1):
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns, ignored = _header(record, measure=measure)
                continue
            if len(entries) >= UPLOAD_MAX_ROWS:
                raise FileRefused(
                    f"The file has more than {UPLOAD_MAX_ROWS:,} rows of figures:"
                    " upload it in parts."
                )
            entries.append(_entry(number, record, columns))
    except csv.Error:
        raise FileRefused(f"Row {number + 1} cannot be read as CSV: is this a CSV file?") from None
    if not entries:
        raise FileRefused("The file has its column names but no figures under them.")
    return entries, tuple(ignored)


def _entry(number: int, record: list[str], columns: dict[str, int]) -> Entry:
    def cell(column: str) -> str:
        at = columns.get(column)
        return record[at] if at is not None and at < len(record) else ""

    return Entry(
        row=number,
        period=cell("period"),
        value=cell("value"),
        numerator=cell("numerator"),
        denominator=cell("denominator"),
        note=_unguarded(cell("note").strip()) if "note" in columns else None,
    )


def upload_columns(measure: Measure) -> tuple[str, ...]:
    """The columns an upload of this measure's figures needs, then the optional note."""
    figures = ("numerator", "denominator") if measure.chart in RATIO_CHARTS else ("value",)
    return ("period", *figures, "note")


def _header(record: list[str], *, measure: Measure) -> tuple[dict[str, int], list[str]]:
    names = [_column_name(cell) for cell in record]
    wanted = ("numerator", "denominator") if measure.chart in RATIO_CHARTS else ("value",)
    if "period" not in names:
        if record and parse_period(record[0], measure.period) is not None:
            raise FileRefused(
                "The first row must name the columns: period, "
                + ", ".join(wanted)
                + " (and a note if you wish). Add that row above your figures."
            )
        raise FileRefused(
            "The file has no period column: its first row must name the columns period, "
            + ", ".join(wanted)
            + " (and a note if you wish)."
        )
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for at, name in enumerate(names):
        if not name:
            continue
        if name in columns:
            raise FileRefused(f"The column {name} is in the file twice.")
        if name in UPLOAD_READS:
            columns[name] = at
        elif name not in UPLOAD_LEAVES:
            ignored.append(record[at].strip()[:40])
    missing = [name for name in wanted if name not in columns]
    if missing:
        chart = measure.get_chart_display().split(":")[0]
        raise FileRefused(f"The file has no {' or '.join(missing)} column, which a {chart} needs.")
    return columns, ignored


def data_upload(*, measure: Measure, by: User, upload) -> DataChange:
    """An uploaded CSV file's figures: each row of a period already held replaces that
    period's figures, other rows are added, and figures not in the file are kept. Nothing is
    saved unless every row is right (BadRows names each one that is not)."""
    _check_edits(project=measure.project, by=by)
    entries, ignored = read_csv(upload, measure=measure)
    with transaction.atomic():
        _lock(measure)
        figures, problems = entries_check(measure=measure, entries=entries)
        _refuse(problems + _one_a_period(measure, figures, "of the file"))
        stored: dict[date, list[Sample]] = defaultdict(list)
        for sample in _in_order(measure.samples.all()):
            stored[sample.period].append(sample)
        given: dict[date, list[Figures]] = defaultdict(list)
        for row in figures:
            given[row.period].append(row)
        changed, new, removed = [], [], []
        for when, rows in given.items():
            held = stored.get(when, [])
            # A date's rows in the file are its figures: the first ones take the place of
            # those held (in order, so their notes stay if the file has none), extra ones
            # are added, and any held beyond the file's go.
            for sample, row in zip(held, rows, strict=False):
                if _fill(sample, row):
                    changed.append(sample)
            for row in rows[len(held) :]:
                sample = Sample(measure=measure)
                _fill(sample, row)
                new.append(sample)
            removed += [sample.pk for sample in held[len(rows) :]]
        replaced = sum(min(len(stored.get(when, [])), len(rows)) for when, rows in given.items())
        Sample.objects.filter(pk__in=removed).delete()
        Sample.objects.bulk_update(changed, ["period", "value", "numerator", "denominator", "note"])
        Sample.objects.bulk_create(new)
        change = DataChange(
            added=len(new), replaced=replaced, removed=len(removed), ignored_columns=ignored
        )
        if changed or new or removed:
            measure_analysed(measure)
            project_touch(project=measure.project)
        return change


# --- phases and the baseline ----------------------------------------------------------------


def phase_add(*, measure: Measure, by: User, starts_on: date, label: str) -> Phase:
    """A new phase from the period holding `starts_on`, with its own centre line and limits."""
    _check_edits(project=measure.project, by=by)
    starts_on = period_start(measure.period, starts_on)
    with transaction.atomic():
        _lock(measure)
        if measure.phases.filter(starts_on=starts_on).exists():
            raise MeasureError(
                f"A phase already starts in {period_label(measure.period, starts_on)}."
            )
        phase = Phase.objects.create(measure=measure, starts_on=starts_on, label=label)
        measure_analysed(measure)
    project_touch(project=measure.project)
    return phase


def phase_remove(*, measure: Measure, by: User, phase_id: int) -> Phase:
    _check_edits(project=measure.project, by=by)
    phase = measure.phases.filter(pk=phase_id).first()
    if phase is None:
        raise NotFound
    with transaction.atomic():
        phase.delete()
        measure_analysed(measure)
    project_touch(project=measure.project)
    return phase


def baseline_set(*, measure: Measure, by: User, points: int | None) -> Measure:
    """Freeze the first phase's centre line (and limits) on its first `points` points, or
    work them out from all its points again (None)."""
    _check_edits(project=measure.project, by=by)
    with transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(baseline=points)
        measure.baseline = points
        measure_analysed(measure)
    project_touch(project=measure.project)
    return measure
