"""The demo's improvement projects show what they claim: the signals the rules of docs/spc.md
find on their charts, the teams, visibilities and spread a visitor to the demo will try."""

import pytest
from django.core.management import call_command

from insights.models import Story
from members.models import User
from projects import spc
from projects.measures import latest_verdict, measure_analysis
from projects.models import ChangeIdea, Cycle, Driver, Measure, Project, Sample, TeamMember

pytestmark = pytest.mark.django_db


def signals_of(analysis: spc.Analysis, rule: str, verdict: str | None = None) -> list:
    return [
        signal
        for signal in analysis.signals
        if signal.rule == rule and (verdict is None or signal.verdict == verdict)
    ]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    return {
        measure: measure_analysis(measure)
        for measure in Measure.objects.select_related("project").prefetch_related("phases")
    }


def counts():
    return [
        model.objects.count()
        for model in (Project, TeamMember, Driver, ChangeIdea, Cycle, Measure, Sample)
    ]


def test_the_demo_measures_show_every_kind_of_signal_the_charts_are_for(demo):
    run_shifts = [
        signal
        for measure, analysis in demo.items()
        if measure.chart == "run" and measure.rules == "ihi"
        for signal in signals_of(analysis, "shift", "improvement")
    ]
    assert run_shifts and all(len(signal.indices) >= 6 for signal in run_shifts)

    trends = [signal for analysis in demo.values() for signal in signals_of(analysis, "trend")]
    assert any(len(signal.indices) >= 5 for signal in trends)

    outside = [
        measure
        for measure, analysis in demo.items()
        if measure.chart in ("i", "c") and signals_of(analysis, "outside")
    ]
    assert {measure.chart for measure in outside} == {"i", "c"}

    varying_p = [
        (measure, analysis)
        for measure, analysis in demo.items()
        if measure.chart == "p"
        and len({row.upper for row in analysis.rows if row.phase == 1}) > 5
        and analysis.signals
    ]
    assert varying_p

    u_charts = [analysis for measure, analysis in demo.items() if measure.chart == "u"]
    assert u_charts and all(signals_of(analysis, "shift", "improvement") for analysis in u_charts)

    phased = [
        analysis
        for measure, analysis in demo.items()
        if measure.phases.exists() and analysis.rows[0].centre != analysis.rows[-1].centre
    ]
    assert len(phased) >= 2
    assert all({row.phase for row in analysis.rows} == {1, 2} for analysis in phased)

    assert all(24 <= len(analysis.rows) <= 40 for analysis in demo.values())

    # Each measure keeps what its analysis shows, as a measure's page would: most projects
    # show an improvement (the impact page counts them); some charts show a concern too.
    for measure, analysis in demo.items():
        assert measure.analysed_at is not None
        assert (measure.verdict, measure.verdict_since) == latest_verdict(analysis), measure
    improving = {measure.project for measure in demo if measure.verdict == "improvement"}
    assert len(improving) >= 6
    assert any(project.visibility == "team" for project in improving)
    assert any(signal.verdict == "concern" for a in demo.values() for signal in a.signals)


def test_the_demo_projects_have_teams_diagrams_ramps_and_spread_and_reseeding_adds_nothing(
    demo,
):
    projects = Project.objects.prefetch_related("drivers", "ideas__cycles", "organisations")
    assert projects.count() == 8
    visibilities = [project.visibility for project in projects]
    assert visibilities.count("team") >= 1 and visibilities.count("members") >= 3
    assert [p.public_charts for p in projects if p.visibility == "public"] == [True, True]

    member = User.objects.get(email="member@example.org")
    assert member.project_places.filter(role="lead").exists()
    assert member.project_places.filter(role="member").exists()
    assert TeamMember.objects.filter(member__email="coordinator@example.org", role="sponsor")

    for project in projects:
        primaries = [driver for driver in project.drivers.all() if driver.parent_id is None]
        assert 2 <= len(primaries) <= 3, project
        assert project.ideas.exists() and project.measures.exists()
        ramps = [idea.cycles.count() for idea in project.ideas.all()]
        assert any(2 <= cycles <= 5 for cycles in ramps), project
    decided = Cycle.objects.exclude(decision="")
    assert not decided.filter(study="").exists() and not decided.filter(finished_on=None).exists()

    spread = ChangeIdea.objects.filter(adopted_from__isnull=False).select_related(
        "project", "adopted_from__project"
    )
    assert any(
        idea.project.level != idea.adopted_from.project.level
        and set(idea.project.organisations.values_list("region", flat=True)).isdisjoint(
            idea.adopted_from.project.organisations.values_list("region", flat=True)
        )
        for idea in spread
    )

    # One story of change shows a demo project's chart.
    assert Story.objects.filter(status="published", measure__project__visibility="public")

    before = counts()
    call_command("seed_demo")
    assert counts() == before
