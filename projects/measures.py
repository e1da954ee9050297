"""A project's measures: their definitions, their figures, their phases, and what their charts
show.

Whoever may change the project's measures is asked of Project.objects.editable_by, never written
again here. Every change to the figures, phases or rules analyses the measure once more and keeps
what the latest analysis showed on the measure itself (verdict, verdict_since, analysed_at), so
that lists, the impact page and the prompt to share a story read one column. The rows of figures
are read and checked by projects.figures.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from base.errors import NotFound
from members.models import User
from projects import charts, spc
from projects.figures import (
    RATIO_CHARTS,
    Entry,
    Figures,
    Problem,
    entries_check,
    figure_written,
    next_period,
    one_row_a_period,
    period_heading,
    period_label,
    period_start,
    read_csv,
    refuse,
    written,
)
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
# The signals that say the process has moved and stayed moved (or jumped past a limit), as
# opposed to the runs rules that say only "not random": the measure's verdict reads these.
SUSTAINED = ("shift", "trend", "long-run", "outside")

# The columns of the CSV download, in order; an upload takes the same file back.
CSV_COLUMNS = spc.CSV_COLUMNS


class MeasureError(Exception):
    """A change to a measure that its rules refuse, with the reason in the member's words."""


@dataclass(frozen=True)
class DataChange:
    added: int = 0
    changed: int = 0
    removed: int = 0
    ignored_columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{self.added} {_rows(self.added)} added")
        if self.changed:
            parts.append(f"{self.changed} changed")
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
    differently, so it is analysed again. MeasureError (for the chart) when the figures it
    holds break the rules of the chart it changes to."""
    _check_edits(project=measure.project, by=by)
    with transaction.atomic():
        _lock(measure)
        held_chart = Measure.objects.values_list("chart", flat=True).get(pk=measure.pk)
        if measure.chart != held_chart:
            misfits = chart_misfits(measure=measure, chart=measure.chart)
            if misfits:
                raise MeasureError(misfits)
        measure.save()
        measure_analysed(measure)
    project_touch(project=measure.project)
    return measure


def chart_misfits(*, measure: Measure, chart: str) -> str:
    """Why the figures the measure holds cannot go on `chart`, in the member's words (how many
    rows, which, and the rule each breaks); "" when every one of them can. The figures are held
    to the rules a row typed or uploaded for that chart would be (figures.entries_check)."""
    samples = _in_order(measure.samples.all())
    held = [
        Entry(
            row=number,
            period=sample.period.isoformat(),
            value=figure_written(sample.value),
            numerator=figure_written(sample.numerator),
            denominator=figure_written(sample.denominator),
            note=None,
        )
        for number, sample in enumerate(samples, start=1)
    ]
    _, problems = entries_check(measure=Measure(chart=chart, period=measure.period), entries=held)
    if not problems:
        return ""
    reasons: dict[int, list[str]] = defaultdict(list)
    for problem in problems:
        reasons[problem.row].append(problem.reason)
    named = [
        f"{period_label(measure.period, samples[row - 1].period)}: {'; '.join(said)}"
        for row, said in sorted(reasons.items())
    ]
    shown = 3
    listed = ". ".join(named[:shown])
    if len(named) > shown:
        listed += f". And {len(named) - shown} more"
    count = len(named)
    name = Measure.Chart(chart).label.split(":")[0]
    return (
        f"{count} {_rows(count)} of this measure's figures {'does' if count == 1 else 'do'}"
        f" not fit a {name}. {listed}. Change {'it' if count == 1 else 'them'} first, or add"
        f" a new measure for the {name}."
    )


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
        rules=_rules_for(measure),
        direction=measure.direction,
        freeze=measure.baseline or None,
        parts=[phase.starts_on for phase in measure.phases.all()],
    )


def _rules_for(measure: Measure) -> str:
    # The forms keep a chart's rules to those it reads; a measure changed another way (the
    # admin, a script) is read with its chart's first rule set rather than not at all.
    allowed = RULES_FOR_CHART.get(measure.chart, ())
    return measure.rules if measure.rules in allowed or not allowed else allowed[0]


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


# --- what the chart and its page show -------------------------------------------------------


@dataclass(frozen=True)
class MeasureShown:
    """A measure with its analysis, and its chart as templates/projects/_chart.html shows it
    (projects.charts.figure)."""

    measure: Measure
    analysis: spc.Analysis
    chart: dict

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
    """The project's PDSA cycles at the dates they started, the changes that began new phases,
    and the notes of the figures, for the dates the chart covers."""
    if not analysis.rows:
        return []
    first = analysis.rows[0].period
    end = next_period(measure.period, analysis.rows[-1].period)
    marks = [
        charts.Annotation(
            on=cycle.started_on, label=f"PDSA {cycle.number}: {cycle.idea.title}", kind="pdsa"
        )
        for cycle in cycles
        if cycle.started_on and first <= cycle.started_on < end
    ]
    marks += [
        charts.Annotation(on=phase.starts_on, label=f"New phase, after {phase.label}", kind="note")
        for phase in measure.phases.all()
        if phase.label and first <= phase.starts_on < end
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


def _chart_settings(measure: Measure, analysis: spc.Analysis, cycles, marked: bool) -> dict:
    return {
        "title": measure.title,
        "unit": measure.unit,
        "target": _number(measure.target),
        "annotations": annotations(measure, analysis, cycles) if marked else (),
        "freeze": measure.baseline or None,
    }


def measure_shown(
    measure: Measure,
    *,
    cycles: Sequence[Cycle] = (),
    members: bool = True,
    table: bool = True,
    width: int = 720,
    height: int = 320,
) -> MeasureShown:
    """The measure's chart and its words. For members, with the PDSA cycles and notes marked,
    its downloads linked and (with `table`) its figures in a table; the public summary's chart
    shows the figures' shape and its signals, and no figure of them anywhere (no table, no
    value in a point's tooltip or in the words)."""
    analysis = measure_analysis(measure)
    address = measure.get_absolute_url()
    chart = charts.figure(
        analysis,
        **_chart_settings(measure, analysis, cycles, members),
        width=width,
        height=height,
        svg_url=f"{address}?format=svg",
        csv_url=f"{address}?format=csv",
        json_url=f"{address}?format=json",
        figures=members,
    )
    if not table:
        chart["rows"] = []
    return MeasureShown(measure=measure, analysis=analysis, chart=chart)


def measure_svg(measure: Measure, *, cycles: Sequence[Cycle] = ()) -> str:
    """The chart as a file of its own."""
    analysis = measure_analysis(measure)
    return charts.chart_svg(
        analysis, **_chart_settings(measure, analysis, cycles, True), standalone=True
    )


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


# Drawn charts are kept this long; any change to what a chart shows changes its key instead.
CHART_KEPT_SECONDS = 24 * 60 * 60
# How charts are drawn and written, as it stands in this release: a new release that draws
# them differently keeps nothing the last one drew.
CHART_DRAWING = hashlib.sha256(
    b"".join(
        Path(source).read_bytes()
        for source in (
            charts.__file__,
            spc.__file__,
            Path(__file__).parent.parent / "templates" / "projects" / "_chart.html",
        )
    )
).hexdigest()[:16]


@dataclass(frozen=True)
class ChartShown:
    """A measure and its chart as the project's page shows it: drawn, with its words, its
    table and its links, already written (templates/projects/_chart.html)."""

    measure: Measure
    html: str


def _chart_key(measure: Measure, cycles: Sequence[Cycle], *, members: bool) -> str:
    """Everything a small chart is drawn from, as a cache key. The figures and phases are
    stood for by `analysed_at`, which every change to them moves (measure_analysed)."""
    drawn_from = (
        measure.pk,
        measure.analysed_at,
        measure.title,
        measure.unit,
        measure.target,
        measure.chart,
        measure.rules,
        measure.direction,
        measure.period,
        measure.baseline,
        members,
        [(cycle.pk, cycle.number, cycle.started_on, cycle.idea.title) for cycle in cycles],
    )
    drawn_from = repr(drawn_from).encode()
    return f"projects:chart:{CHART_DRAWING}:{hashlib.sha256(drawn_from).hexdigest()}"


def measures_section(*, project: Project, viewer) -> dict:
    """The measures on the project's page: every measure with its small chart for members; the
    charts alone (no data, no notes, no cycles) for visitors to a public summary whose team
    chose to show them; nothing otherwise. A fixed number of queries for any number of
    measures, and no figure read or chart drawn that the cache already holds."""
    if not (project.viewer_reads or project.public_charts):
        return {"measures": []}
    members = project.viewer_reads
    measures = list(project.measures.all())
    cycles = project_cycles(project) if members and measures else []
    keys = {measure.pk: _chart_key(measure, cycles, members=members) for measure in measures}
    drawn = cache.get_many(list(keys.values())) if measures else {}
    to_draw = [measure for measure in measures if keys[measure.pk] not in drawn]
    if to_draw:
        prefetch_related_objects(to_draw, "samples", "phases")
        # The chart's HTML is kept rather than its parts: writing a table of every figure for
        # six charts costs a page more than drawing them.
        fresh = {
            keys[measure.pk]: render_to_string(
                "projects/_chart.html",
                {
                    "chart": measure_shown(
                        measure, cycles=cycles, members=members, width=560, height=260
                    ).chart
                },
            )
            for measure in to_draw
        }
        cache.set_many(fresh, CHART_KEPT_SECONDS)
        drawn.update(fresh)
    return {
        "measures": [
            # Written by the template above, which escaped every word of it.
            ChartShown(measure=measure, html=mark_safe(drawn[keys[measure.pk]]))  # noqa: S308
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
    if change.added or change.changed or change.removed:
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
        problems += one_row_a_period(measure, figures, "of the table")
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
        refuse(problems)
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
            measure, DataChange(added=len(new), changed=len(changed), removed=len(removed))
        )


def data_upload(*, measure: Measure, by: User, upload) -> DataChange:
    """An uploaded CSV file's figures: each row of a period already held replaces that
    period's figures, other rows are added, and figures not in the file are kept. Nothing is
    saved unless every row is right (BadRows names each one that is not)."""
    _check_edits(project=measure.project, by=by)
    entries, ignored = read_csv(upload, measure=measure)
    with transaction.atomic():
        _lock(measure)
        figures, problems = entries_check(measure=measure, entries=entries)
        refuse(problems + one_row_a_period(measure, figures, "of the file"))
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
        Sample.objects.filter(pk__in=removed).delete()
        Sample.objects.bulk_update(changed, ["period", "value", "numerator", "denominator", "note"])
        Sample.objects.bulk_create(new)
        change = DataChange(
            added=len(new), changed=len(changed), removed=len(removed), ignored_columns=ignored
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
