"""A project's measures: adding one, typing its figures, its page and downloads, its phases,
and who may do what."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import charts, figures, measures
from projects.models import Measure, Phase, Project, Sample
from tests.projects.conftest import make_cycle, make_idea, make_measure

pytestmark = pytest.mark.django_db

# Twelve months around 20 falls, then eight around 13 after the change: a shift below the median.
BEFORE = [20, 22, 19, 21, 23, 18, 20, 22, 21, 19, 20, 22]
AFTER = [14, 13, 15, 12, 14, 13, 12, 14]


def measure_form(**changes):
    form = {
        "title": "Falls with harm",
        "kind": "outcome",
        "definition": "Falls with harm recorded in Datix on wards 3 and 4, counted each month.",
        "unit": "falls",
        "direction": "down",
        "target": "",
        "chart": "run",
        "rules": "ihi",
        "period": "month",
        "baseline": "",
    }
    return form | changes


def table(rows, *, initial=0):
    """The figures table as a browser posts it: one dict of boxes a row."""
    posted = {
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(initial),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        for name, text in row.items():
            posted[f"rows-{number}-{name}"] = text
    return posted


def figures_of(measure):
    return list(
        measure.samples.order_by("period", "pk").values_list(
            "period", "value", "numerator", "denominator", "note"
        )
    )


def data_url(measure):
    return f"/projects/{measure.project.slug}/measures/{measure.pk}/data/"


# --- adding a measure -----------------------------------------------------------------------


def test_a_lead_adds_a_measure_and_is_taken_to_its_figures(client, lead, members_project):
    client.force_login(lead)
    form = client.get(f"/projects/{members_project.slug}/measures/new/")
    assert form.status_code == 200
    # Each chart is explained in plain words beside its radio.
    assert "needs no statistics" in form.text
    assert "falls per 1,000 bed days" in form.text

    answer = client.post(f"/projects/{members_project.slug}/measures/new/", measure_form())
    measure = Measure.objects.get()
    assert answer.status_code == 302
    assert answer.headers["Location"] == data_url(measure)
    assert (measure.title, measure.chart, measure.rules, measure.direction) == (
        "Falls with harm",
        "run",
        "ihi",
        "down",
    )
    project_page = client.get(members_project.get_absolute_url())
    assert "Falls with harm" in project_page.text


def test_rules_that_do_not_fit_the_chart_are_refused_next_to_the_field(
    client, lead, members_project
):
    client.force_login(lead)
    answer = client.post(
        f"/projects/{members_project.slug}/measures/new/",
        measure_form(chart="run", rules="mdc"),
    )
    assert answer.status_code == 200
    assert "NHS Making Data Count are not for a run chart: choose IHI run chart rules or" in (
        answer.text
    )
    assert 'id="id_rules_error"' in answer.text
    answer = client.post(
        f"/projects/{members_project.slug}/measures/new/", measure_form(chart="p", rules="ihi")
    )
    assert "are not for a control chart" in answer.text
    assert not Measure.objects.exists()


def test_a_lead_edits_and_deletes_a_measure(client, lead, members_project):
    measure = make_measure(members_project, values=BEFORE + AFTER, direction="down")
    client.force_login(lead)
    edit = f"/projects/{members_project.slug}/measures/{measure.pk}/edit/"
    client.post(edit, measure_form(title="Falls with harm a month", direction="up"))
    measure.refresh_from_db()
    assert measure.title == "Falls with harm a month"
    # Higher is better now: the same shift is a concern.
    assert measure.verdict == "concern"

    delete = f"/projects/{members_project.slug}/measures/{measure.pk}/delete/"
    assert "cannot be undone" in client.get(delete).text
    answer = client.post(delete)
    assert answer.headers["Location"] == members_project.get_absolute_url()
    assert not Measure.objects.exists()
    assert not Sample.objects.exists()


def test_a_measure_with_figures_keeps_the_kind_of_figures_it_has(client, lead, members_project):
    measure = make_measure(members_project, values=[3, 4, 5])
    client.force_login(lead)
    edit = f"/projects/{members_project.slug}/measures/{measure.pk}/edit/"
    answer = client.post(edit, measure_form(chart="p", rules="mdc", period="week"))
    assert "The figures of this measure are values, which a P chart cannot read" in answer.text
    assert "The figures of this measure are by month" in answer.text
    measure.refresh_from_db()
    assert (measure.chart, measure.period) == ("run", "month")
    # Values read as values on another chart are fine.
    client.post(edit, measure_form(chart="i", rules="anhoj"))
    measure.refresh_from_db()
    assert (measure.chart, measure.rules) == ("i", "anhoj")


@pytest.mark.parametrize(
    "before,after,held,why",
    [
        (
            "u",
            "p",
            {"numerator": 30, "denominator": Decimal("10.5")},
            "January 2025: the denominator must be a whole number",
        ),
        ("run", "c", {"value": Decimal("-2.5")}, "January 2025: the value cannot be less than 0"),
    ],
)
def test_a_chart_the_figures_held_do_not_fit_is_refused_next_to_the_field(
    client, lead, members_project, before, after, held, why
):
    measure = make_measure(members_project, chart=before, rules="ihi" if before == "run" else "mdc")
    Sample.objects.create(measure=measure, period=date(2025, 1, 1), **held)
    Sample.objects.create(
        measure=measure, period=date(2025, 2, 1), value=3, numerator=3, denominator=9
    )
    client.force_login(lead)
    edit = f"/projects/{members_project.slug}/measures/{measure.pk}/edit/"
    answer = client.post(edit, measure_form(chart=after, rules="mdc"))
    name = Measure.Chart(after).label.split(":")[0]
    assert f"1 row of this measure&#x27;s figures does not fit a {name}. {why}." in answer.text
    assert 'id="id_chart_error"' in answer.text
    measure.refresh_from_db()
    assert measure.chart == before
    # Once the figures fit, the chart changes.
    Sample.objects.filter(measure=measure, period=date(2025, 1, 1)).delete()
    assert client.post(edit, measure_form(chart=after, rules="mdc")).status_code == 302
    measure.refresh_from_db()
    assert measure.chart == after


def test_the_refusal_of_a_chart_counts_every_row_that_does_not_fit(lead, members_project):
    measure = make_measure(members_project, values=[1.5, -2, 3, 4.25, -5, 6.5])
    measure.chart = Measure.Chart.C
    with pytest.raises(measures.MeasureError) as refused:
        measures.measure_update(measure=measure, by=lead)
    said = str(refused.value)
    assert said.startswith("5 rows of this measure's figures do not fit a C chart.")
    assert "January 2025: the value must be a whole number" in said
    assert "February 2025: the value cannot be less than 0" in said
    assert "And 2 more. Change them first" in said
    assert Measure.objects.get(pk=measure.pk).chart == Measure.Chart.RUN


# --- typing the figures ---------------------------------------------------------------------


def test_figures_typed_in_the_table_are_saved_by_month_and_analysed(
    client, teammate, members_project
):
    measure = make_measure(members_project, direction="down")
    before = Project.objects.get(pk=members_project.pk).updated_at
    client.force_login(teammate)
    rows = [
        {"period": f"{15}/{month:02d}/2025", "value": str(value)}
        for month, value in enumerate(BEFORE, start=1)
    ] + [
        {"period": f"2026-{month:02d}-03", "value": str(value), "note": "Huddle" * (month == 1)}
        for month, value in enumerate(AFTER, start=1)
    ]
    page = client.get(data_url(measure))
    assert page.status_code == 200
    assert "Month" in page.text

    answer = client.post(data_url(measure), table([*rows, {}, {}]))
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"] == measure.get_absolute_url()
    figures = figures_of(measure)
    assert len(figures) == 20
    # Any day of a month is kept as the month.
    assert figures[0][0] == date(2025, 1, 1)
    assert figures[12] == (date(2026, 1, 1), Decimal("14"), None, None, "Huddle")
    measure.refresh_from_db()
    assert measure.verdict == "improvement"
    assert measure.verdict_since == date(2026, 1, 1)
    assert measure.analysed_at is not None
    assert Project.objects.get(pk=members_project.pk).updated_at > before
    assert "20 rows added." in client.get(measure.get_absolute_url()).text


def test_weeks_are_kept_by_their_monday(client, lead, members_project):
    measure = make_measure(members_project, period="week")
    client.force_login(lead)
    client.post(data_url(measure), table([{"period": "04/03/2026", "value": "3"}]))
    assert figures_of(measure)[0][0] == date(2026, 3, 2)  # Wednesday 4 March: week of Monday 2


def test_every_bad_row_is_named_with_its_reason_and_nothing_is_saved(client, lead, members_project):
    measure = make_measure(members_project, title="Screened on admission", chart="p", rules="mdc")
    client.force_login(lead)
    rows = [
        {"period": "2026-01-01", "numerator": "30", "denominator": "40"},
        {"period": "2026-02-01", "numerator": "3", "denominator": "0"},
        {"period": "31/02/2026", "numerator": "3", "denominator": "8"},
        {"period": "2026-03-01", "numerator": "12", "denominator": "10"},
        {"period": "2026-04-01", "numerator": "many", "denominator": "10"},
        {"period": "2026-01-20", "numerator": "1", "denominator": "10"},
        {"period": "", "numerator": "1", "denominator": "10"},
        {},
    ]
    answer = client.post(data_url(measure), table(rows))
    assert answer.status_code == 400
    text = answer.text
    assert "There is a problem: nothing was saved" in text
    assert "Row 2: the denominator must be more than 0" in text
    assert "Row 3: 31/02/2026 is not a date" in text
    assert "Row 4: the numerator (12) is more than the denominator (10)" in text
    assert "Row 5: many is not a number" in text
    assert "Row 6: January 2026 is already on row 1 of the table" in text
    assert "Row 7: give the month" in text
    assert "Row 1:" not in text and "Row 8:" not in text
    # Each reason stands beside its box, linked from the summary, and the typing is kept.
    assert 'href="#id_rows-1-denominator"' in text
    assert 'id="id_rows-1-denominator_error"' in text
    assert 'value="31/02/2026"' in text
    assert not Sample.objects.exists()


def test_a_month_already_held_on_another_page_of_the_table_is_refused(
    client, lead, members_project
):
    measure = make_measure(members_project, values=[5, 6])  # January and February 2025
    client.force_login(lead)
    answer = client.post(data_url(measure), table([{"period": "2025-02-14", "value": "9"}]))
    assert "Row 1: February 2025 already has figures: change them on their own row" in answer.text
    assert [figure[1] for figure in figures_of(measure)] == [Decimal(5), Decimal(6)]


@pytest.mark.parametrize(
    "period,typed,year",
    [
        ("month", "December 9999", "9999"),
        ("week", "31/12/9999", "9999"),
        ("month", "March 0202", "0202"),
        ("sample", "1899-12-31", "1899"),
    ],
)
def test_a_date_no_chart_can_show_is_refused_with_the_years_it_can(
    client, lead, members_project, period, typed, year
):
    measure = make_measure(members_project, period=period)
    client.force_login(lead)
    answer = client.post(data_url(measure), table([{"period": typed, "value": "5"}]))
    assert answer.status_code == 400
    assert (
        f"Row 1: {year} is not a year the chart can show: use a date between 1900 and 2100"
        in answer.text
    )
    assert not Sample.objects.exists()


@pytest.mark.parametrize(
    "period,when", [("month", date(9999, 12, 1)), ("week", date(9999, 12, 27))]
)
def test_figures_at_the_end_of_the_calendar_do_not_break_the_pages(
    client, lead, members_project, period, when
):
    # Held from before such dates were refused.
    measure = make_measure(members_project, period=period, values=[3, 4])
    Sample.objects.create(measure=measure, period=when, value=5, note="Typed wrong")
    client.force_login(lead)
    assert client.get(members_project.get_absolute_url()).status_code == 200
    assert client.get(measure.get_absolute_url()).status_code == 200
    assert client.get(data_url(measure)).status_code == 200


@pytest.mark.parametrize(
    "period,typed",
    [("month", "January 1900"), ("week", "01/01/1900"), ("month", "December 2100")],
)
def test_the_table_reads_back_each_period_as_it_shows_it(
    client, lead, members_project, period, typed
):
    measure = make_measure(members_project, period=period)
    client.force_login(lead)
    saved = client.post(data_url(measure), table([{"period": typed, "value": "5"}]))
    assert saved.status_code == 302
    # The row as the table shows it, posted back with a new row under it.
    boxes = client.get(data_url(measure)).context["table"].initial[0]
    shown = {name: str(text) for name, text in boxes.items()}
    assert shown["period"] == typed
    new_row = {"period": "01/01/2025", "value": "3"}
    assert client.post(data_url(measure), table([shown, new_row], initial=1)).status_code == 302
    assert measure.samples.count() == 2


def test_a_period_is_written_with_its_year_in_four_figures():
    assert figures.period_written("month", date(999, 3, 1)) == "March 0999"
    assert figures.period_written("week", date(202, 3, 2)) == "02/03/0202"
    assert figures.period_written("sample", date(2026, 3, 31)) == "31/03/2026"


def test_rows_are_changed_and_removed_in_the_table(client, lead, members_project):
    measure = make_measure(members_project, values=[5, 6, 7])
    client.force_login(lead)
    page = client.get(data_url(measure)).text
    assert 'value="January 2025"' in page
    first, second, third = measure.samples.order_by("period")
    rows = [
        {"sample": str(first.pk), "period": "January 2025", "value": "5"},
        {"sample": str(second.pk), "period": "February 2025", "value": "6.5", "note": "New rota"},
        {"sample": str(third.pk), "period": "March 2025", "value": "7", "remove": "on"},
        {"period": "03/2025", "value": "8"},
    ]
    answer = client.post(data_url(measure), table(rows, initial=3))
    assert answer.status_code == 302
    assert figures_of(measure) == [
        (date(2025, 1, 1), Decimal("5"), None, None, ""),
        (date(2025, 2, 1), Decimal("6.5"), None, None, "New rota"),
        (date(2025, 3, 1), Decimal("8"), None, None, ""),
    ]


# --- the measure's page and its downloads ---------------------------------------------------


@pytest.fixture
def falls(members_project):
    """A measure with a shift after a change, a PDSA cycle and a note."""
    measure = make_measure(
        members_project, values=BEFORE + AFTER, direction="down", unit="falls", target=10
    )
    idea = make_idea(members_project)
    make_cycle(idea, started_on=date(2026, 1, 5))
    Sample.objects.filter(measure=measure, period=date(2026, 1, 1)).update(note="=Huddles started")
    measures.measure_analysed(measure)
    return measure


def test_the_measure_page_shows_the_chart_its_description_and_its_figures(client, sponsor, falls):
    client.force_login(sponsor)
    page = client.get(falls.get_absolute_url())
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text
    assert "A shift of 8 points below the median since January 2026" in text
    assert "PDSA 1: Falls huddle at every handover" in text  # marked on the chart
    assert "January 2026" in text and "shift" in text  # the table
    assert "Falls with harm from Datix" in text  # the definition
    for download in ("svg", "csv", "json"):
        assert f'href="{falls.get_absolute_url()}?format={download}"' in text
    # A sponsor reads, but changes nothing.
    assert "Add or change figures" not in text


def test_the_csv_download_opens_in_excel_with_the_issue_s_columns(client, bystander, falls):
    client.force_login(bystander)
    answer = client.get(falls.get_absolute_url(), {"format": "csv"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert answer["Content-Disposition"].startswith("attachment;")
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8, said to Excel
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "period,value,numerator,denominator,phase,centre,lower,upper,signals"
    assert lines[1].startswith("2025-01-01,20,,,1,")
    assert lines[13].startswith("2026-01-01,14,,,1,")
    assert lines[13].split(",")[-1].split(";")[0] == "shift"
    assert len(lines) == 21


def test_the_json_download_holds_the_analysis(client, teammate, falls):
    client.force_login(teammate)
    answer = client.get(falls.get_absolute_url(), {"format": "json"})
    assert answer["Content-Disposition"].startswith("attachment;")
    download = json.loads(answer.content)
    assert (download["chart"], download["rules"], download["direction"]) == ("run", "ihi", "down")
    assert download["measure"]["title"] == falls.title
    assert download["measure"]["target"] == 10
    assert len(download["rows"]) == 20
    assert set(download["rows"][0]) >= {
        "period",
        "value",
        "numerator",
        "denominator",
        "phase",
        "centre",
        "lower",
        "upper",
        "signals",
    }
    shift = next(signal for signal in download["signals"] if signal["rule"] == "shift")
    assert shift["indices"] == list(range(12, 20))
    assert shift["verdict"] == "improvement"


def test_the_chart_downloads_as_svg(client, lead, falls):
    client.force_login(lead)
    answer = client.get(falls.get_absolute_url(), {"format": "svg"})
    assert answer["Content-Type"].startswith("image/svg+xml")
    assert answer["Content-Disposition"].startswith("attachment;")
    assert answer.content.lstrip().startswith(b"<?xml")
    assert b"http://www.w3.org/2000/svg" in answer.content


def test_an_unknown_download_is_not_found(client, lead, falls):
    client.force_login(lead)
    assert client.get(falls.get_absolute_url(), {"format": "xlsx"}).status_code == 404
    assert client.get(f"/projects/{falls.project.slug}/measures/999999/").status_code == 404


# --- who may do what ------------------------------------------------------------------------


def _pages(measure):
    base = f"/projects/{measure.project.slug}/measures/"
    return {
        "new": f"{base}new/",
        "edit": f"{base}{measure.pk}/edit/",
        "delete": f"{base}{measure.pk}/delete/",
        "data": f"{base}{measure.pk}/data/",
        "upload": f"{base}{measure.pk}/data/upload/",
        "phases": f"{base}{measure.pk}/phases/",
    }


@pytest.mark.parametrize("person", ["lead", "teammate"])
def test_the_team_changes_measures(client, request, person, falls):
    client.force_login(request.getfixturevalue(person))
    for name, path in _pages(falls).items():
        if name != "upload":
            assert client.get(path).status_code == 200, name
    assert "Add or change figures" in client.get(falls.get_absolute_url()).text
    assert "Add a measure" in client.get(falls.project.get_absolute_url()).text


@pytest.mark.parametrize("person", ["sponsor", "bystander"])
def test_sponsors_and_other_members_read_but_may_not_change(client, request, person, falls):
    client.force_login(request.getfixturevalue(person))
    assert client.get(falls.get_absolute_url()).status_code == 200
    assert client.get(falls.get_absolute_url(), {"format": "csv"}).status_code == 200
    for name, path in _pages(falls).items():
        assert client.post(path, {}).status_code == 403, name
        if name != "upload":
            assert client.get(path).status_code == 403, name
    answer = client.post(_pages(falls)["data"], table([{"period": "2027-01-01", "value": "1"}]))
    assert answer.status_code == 403
    assert falls.samples.count() == 20
    assert Measure.objects.filter(pk=falls.pk).exists()
    assert "Add a measure" not in client.get(falls.project.get_absolute_url()).text


def test_a_visitor_never_reaches_a_measure_or_its_figures(client, public_project):
    measure = make_measure(public_project, values=BEFORE + AFTER, direction="down")
    Project.objects.filter(pk=public_project.pk).update(public_charts=True)
    for query in ({}, {"format": "csv"}, {"format": "json"}, {"format": "svg"}):
        assert client.get(measure.get_absolute_url(), query).status_code == 404
    for path in _pages(measure).values():
        assert client.get(path).status_code in (302, 404)  # to sign in, or not found
        assert client.post(path, {}).status_code in (302, 404)


def test_a_team_only_project_s_measures_are_not_found_by_other_members(
    client, bystander, team_project
):
    measure = make_measure(team_project, values=[1, 2, 3])
    client.force_login(bystander)
    for query in ({}, {"format": "csv"}, {"format": "json"}, {"format": "svg"}):
        assert client.get(measure.get_absolute_url(), query).status_code == 404
    for name, path in _pages(measure).items():
        if name != "upload":
            assert client.get(path).status_code == 404, name
        assert client.post(path, {}).status_code == 404, name


def test_the_public_summary_shows_charts_without_their_figures_if_the_team_chose(
    client, public_project
):
    measure = make_measure(public_project, values=BEFORE + AFTER, direction="down")
    Sample.objects.filter(measure=measure, period=date(2026, 1, 1)).update(note="Secret note")
    summary = client.get(public_project.get_absolute_url()).text
    assert measure.title not in summary

    Project.objects.filter(pk=public_project.pk).update(public_charts=True)
    summary = client.get(public_project.get_absolute_url()).text
    assert measure.title in summary
    assert "<svg" in summary
    assert "A shift of 8 points below the median" in summary
    assert "<table" not in summary
    assert "format=csv" not in summary and "format=json" not in summary
    assert measure.get_absolute_url() not in summary
    assert "Secret note" not in summary


def test_a_visitor_sees_the_shape_of_a_public_chart_and_none_of_its_figures(
    client, bystander, public_project
):
    # Each figure with two decimals, so that no coordinate or round tick of the drawing can
    # read as one; the last is far outside the limits, so the headline tells of it.
    values = [10.25, 11.75, 9.85, 10.65, 11.35, 9.45, 10.15, 11.55, 10.95, 9.65, 10.45, 31.25]
    measure = make_measure(
        public_project, values=values, chart="i", rules="mdc", unit="falls", direction="down"
    )
    Project.objects.filter(pk=public_project.pk).update(public_charts=True)
    written = {charts.number(value) for value in values} | {
        str(sample.value) for sample in measure.samples.all()
    }

    client.force_login(bystander)
    members_page = client.get(public_project.get_absolute_url()).text
    assert {"10.25", "31.25"} <= {figure for figure in written if figure in members_page}
    assert "The mean is" in members_page

    client.logout()
    page = client.get(public_project.get_absolute_url()).text
    assert "A point above the upper limit in December 2025: a concern." in page
    assert "<title>December 2025 (Outside the limits (concern))</title>" in page
    assert "The mean and the control limits are drawn." in page
    assert "network-chart__tick-label--y" in page, "the y axis keeps its scale"
    assert [figure for figure in written if figure in page] == []
    assert "The mean is" not in page


def test_members_see_each_chart_with_its_links_on_the_project_page(client, bystander, falls):
    client.force_login(bystander)
    page = client.get(falls.project.get_absolute_url()).text
    assert f'href="{falls.get_absolute_url()}?format=csv"' in page
    assert f'href="{falls.get_absolute_url()}?format=json"' in page
    assert "<table" in page  # the figures, folded under the chart
    assert "PDSA 1: Falls huddle at every handover" in page


def test_the_project_page_keeps_its_query_count_with_more_charts(client, lead, members_project):
    idea = make_idea(members_project)
    make_cycle(idea, started_on=date(2025, 6, 1))

    def add_measures(count):
        for number in range(count):
            measure = make_measure(
                members_project, title=f"Measure {number}", values=BEFORE + AFTER
            )
            Phase.objects.create(measure=measure, starts_on=date(2025, 9, 1), label="New rota")
            Sample.objects.filter(measure=measure, period=date(2025, 3, 1)).update(note="Audit")

    def page_queries():
        # Once with every chart to draw, once with the charts the first drawing kept.
        cache.clear()
        with CaptureQueriesContext(connection) as drawing:
            client.get(members_project.get_absolute_url())
        with CaptureQueriesContext(connection) as kept:
            page = client.get(members_project.get_absolute_url())
        assert page.text.count("<svg") >= 2
        return len(drawing), len(kept), page

    client.force_login(lead)
    add_measures(2)
    client.get(members_project.get_absolute_url())  # warm up the session
    few = page_queries()
    add_measures(4)
    more = page_queries()
    assert more[:2] == few[:2]
    assert few[1] < few[0], "kept charts read no figures"
    assert more[2].text.count('class="network-project-measure"') == 6


def test_a_kept_chart_follows_the_figures_the_team_enters(client, lead, members_project):
    client.force_login(lead)
    client.post(f"/projects/{members_project.slug}/measures/new/", measure_form())
    measure = members_project.measures.get()
    data = f"/projects/{members_project.slug}/measures/{measure.pk}/data/"
    client.post(data, table([{"period": f"2025-{month:02}-01", "value": "20"} for month in (1, 2)]))
    assert "No signal" in client.get(members_project.get_absolute_url()).text
    lines = ["period,value"] + [
        f"{2025 + (month - 1) // 12}-{(month - 1) % 12 + 1:02}-01,{value}"
        for month, value in enumerate(BEFORE + AFTER, start=1)
    ]
    client.post(
        f"{data}upload/",
        {"file": SimpleUploadedFile("figures.csv", "\n".join(lines).encode())},
    )
    page = client.get(members_project.get_absolute_url()).text
    assert "A shift of" in page


# --- phases and the baseline ----------------------------------------------------------------


def test_a_new_phase_after_a_change_and_a_baseline(client, lead, falls):
    client.force_login(lead)
    phases = _pages(falls)["phases"]
    answer = client.post(
        phases,
        {"add_phase": "1", "phase-starts_on": "2026-01-14", "phase-label": "Huddles started"},
    )
    assert answer.status_code == 302
    phase = falls.phases.get()
    assert phase.starts_on == date(2026, 1, 1)  # the month it falls in
    analysis = measures.measure_analysis(falls)
    assert [row.phase for row in analysis.rows] == [1] * 12 + [2] * 8
    measure_page = client.get(falls.get_absolute_url()).text
    assert "New phase, after Huddles started" in measure_page  # marked on the chart

    again = client.post(phases, {"add_phase": "1", "phase-starts_on": "2026-01-30"})
    assert again.status_code == 400
    assert "A phase already starts in January 2026" in again.text

    client.post(phases, {"set_baseline": "1", "baseline-baseline": "6"})
    falls.refresh_from_db()
    assert falls.baseline == 6
    refused = client.post(phases, {"set_baseline": "1", "baseline-baseline": "1"})
    assert "A baseline needs at least 2 points" in refused.text

    client.post(f"{phases}{phase.pk}/remove/")
    assert not falls.phases.exists()


def test_the_verdict_comes_from_the_latest_phase_s_sustained_signals(falls):
    falls.refresh_from_db()
    assert (falls.verdict, falls.verdict_since) == ("improvement", date(2026, 1, 1))
    # A new phase from the change on: the shift is history, the new phase has no signal yet.
    Phase.objects.create(measure=falls, starts_on=date(2026, 1, 1))
    measures.measure_analysed(falls)
    falls.refresh_from_db()
    assert (falls.verdict, falls.verdict_since) == ("", None)


def test_the_team_is_prompted_to_share_a_story_when_a_measure_improves(
    client, lead, sponsor, bystander, members_project
):
    measure = make_measure(members_project, values=BEFORE + AFTER, direction="down")
    measures.measure_analysed(measure)
    assert measure.verdict == "improvement"
    client.force_login(lead)
    for address in (members_project.get_absolute_url(), measure.get_absolute_url()):
        assert f"/insights/stories/new/?measure={measure.pk}" in client.get(address).text
    for onlooker in (sponsor, bystander):
        client.force_login(onlooker)
        assert "Share a story of change" not in client.get(measure.get_absolute_url()).text
