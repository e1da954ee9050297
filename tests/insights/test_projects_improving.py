"""The impact page counts improvement projects whose measures show a sustained improvement,
under collective intelligence: only projects every member may know of."""

from datetime import date

import pytest
from django.urls import reverse

from insights.measures import MEASURES_BY_KEY, Period, Scope
from members.models import Region
from projects.models import Measure
from tests.factories import OrganisationFactory, ProfileFactory
from tests.projects.conftest import make_measure, make_project

pytestmark = pytest.mark.django_db

PERIOD = Period(3, date(2026, 11, 25))  # September to November 2026


def improving(project, since, verdict="improvement", title="Falls"):
    measure = make_measure(project, title=title)
    Measure.objects.filter(pk=measure.pk).update(verdict=verdict, verdict_since=since)


def figure(**scope):
    return MEASURES_BY_KEY["projects-improving"].compute(PERIOD, Scope(**scope))


@pytest.fixture
def lead(db):
    return ProfileFactory().member


def test_projects_count_from_the_month_their_improvement_began_each_once(lead):
    east = OrganisationFactory(name="East board", slug="east-board", region=Region.EAST)
    west = OrganisationFactory(name="West board", slug="west-board", region=Region.WEST)
    early = make_project(lead, title="Early", organisations=[east])
    improving(early, date(2026, 5, 4))
    improving(early, date(2026, 10, 2), title="Also better")  # one project, counted once
    autumn = make_project(lead, title="Autumn", visibility="public", organisations=[west])
    improving(autumn, date(2026, 10, 12))
    worse = make_project(lead, title="Worse", organisations=[east])
    improving(worse, date(2026, 9, 1), verdict="concern")

    everyone = figure()

    assert [amount for _, amount in everyone.series] == [1, 2, 2]
    assert (everyone.value, everyone.previous) == (2, 1)
    assert figure(region=Region.EAST).value == 1
    assert figure(organisation_kind=east.kind).value == 2


def test_a_team_only_project_is_never_counted_not_even_for_coordinators(client, lead, coordinator):
    hidden = make_project(lead, title="Quiet pilot", visibility="team")
    improving(hidden, date(2026, 10, 1))

    assert figure().value == 0
    client.force_login(coordinator)
    page = client.get(reverse("insights:dashboard")).text
    assert "Improvement projects showing an improvement" in page
    csv = client.get(reverse("insights:measure_csv", args=["projects-improving"])).text
    assert csv.splitlines()[-2].endswith(",0")
