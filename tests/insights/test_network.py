"""The network analysis on a small hand-built network whose answers are known."""

import pickle
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from communities.models import Community, Membership
from events.models import Registration
from insights.network import bridging
from insights.services import BRIDGING_KEY, network_bridging_refresh
from members.models import Sector
from mentoring.models import Match, MentoringRequest
from tests.events.conftest import make_event
from tests.factories import OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    """Two members of A and one of B share an open community; A and B are also tied by
    mentoring, and B's member alone joins a partnership community with D. C's two members only
    meet each other, and one of them shares a secret community with A, which must count for
    nothing."""
    org_a, org_b, org_c, org_d = (
        OrganisationFactory(name=f"Organisation {letter}") for letter in "ABCD"
    )
    d1 = ProfileFactory(organisation=org_d, sector=Sector.NHS).member
    a1, a2 = (ProfileFactory(organisation=org_a, sector=Sector.NHS).member for _ in range(2))
    b1 = ProfileFactory(
        organisation=org_b, sector=Sector.THIRD_SECTOR, member__name="Bea Bridge"
    ).member
    c1, c2 = (ProfileFactory(organisation=org_c, sector=Sector.NHS).member for _ in range(2))
    shared = Community.objects.create(name="Shared learning", slug="shared", purpose="x")
    own = Community.objects.create(name="C only", slug="c-only", purpose="x")
    secret = Community.objects.create(
        name="Hidden circle", slug="hidden", purpose="x", privacy=Community.Privacy.SECRET
    )
    partners = Community.objects.create(name="Partners", slug="partners", purpose="x")
    for community, members in [
        (shared, [a1, a2, b1]),
        (own, [c1, c2]),
        (secret, [a1, c1]),
        (partners, [b1, d1]),
    ]:
        for member in members:
            Membership.objects.create(community=community, member=member)
    Match.objects.create(
        request=MentoringRequest.objects.create(mentee=b1, goals="g"),
        mentor=a2,
        mentee=b1,
        goals="g",
    )
    return {"org_c": org_c, "b1": b1, "shared": shared, "secret": secret}


def test_ties_and_the_share_that_cross_organisations_and_sectors(network):
    result = bridging()

    # Shared learning: 3 pairs, 2 across; C only: 1 pair, none across; Partners: 1 pair,
    # across; mentoring: 1, across.
    assert result.ties == 6
    assert result.cross_organisation == 4
    assert result.cross_sector == 4
    assert result.cross_organisation_share == pytest.approx(4 / 6)


def test_isolated_organisations_and_the_secret_community_counts_for_nothing(network):
    result = bridging()

    assert result.isolated_organisations == [network["org_c"].pk]
    assert network["secret"].pk not in [community for community, _ in result.bridging_communities]


def test_the_bridging_community_and_member_rank_first(network):
    result = bridging()

    assert result.bridging_communities[0][0] == network["shared"].pk
    assert result.bridging_members[0][0] == network["b1"].pk


def test_only_coordinators_see_who_bridges(client, network, member, coordinator):
    network_bridging_refresh()
    client.force_login(member)
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert "Shared learning" in page
    assert "Bea Bridge" not in page and "Hidden circle" not in page and "Organisation C" not in page

    client.force_login(coordinator)
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert "Bea Bridge" in page and "Organisation C" in page


def test_the_beat_task_refreshes_the_analysis_the_page_shows(client, network, member):
    from insights.tasks import refresh_network_analysis

    assert refresh_network_analysis() == 6
    client.force_login(member)
    assert "Of 6 connections" in client.get(reverse("insights:dashboard")).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_first_dashboard_asks_a_worker_and_shows_the_analysis_once_ready(
    client, network, member
):
    from tooling.worker_process import start_worker, stop_worker

    client.force_login(member)
    first = client.get(reverse("insights:dashboard")).content.decode()
    assert "The analysis of the network is being prepared" in first

    worker = start_worker()
    try:
        deadline = time.monotonic() + 60
        page = first
        while "Of 6 connections" not in page and time.monotonic() < deadline:
            time.sleep(0.5)
            page = client.get(reverse("insights:dashboard")).content.decode()
    finally:
        stop_worker(worker)
    assert "Of 6 connections" in page


def test_meeting_at_a_secret_communitys_event_counts_for_nothing(network, coordinator):
    """Attending a secret community's event together is no tie: the analysis, like every
    figure, holds only what any member may know of."""
    before = bridging()
    gathering = make_event(
        coordinator,
        title="Hidden gathering",
        community=network["secret"],
        starts_in=-timedelta(days=3),
    )
    for profile in network["org_c"].profiles.all():
        Registration.objects.create(event=gathering, member=profile.member, status="confirmed")
    b1 = network["b1"]
    Registration.objects.create(event=gathering, member=b1, status="confirmed")

    after = bridging()

    assert (after.ties, after.isolated_organisations) == (
        before.ties,
        before.isolated_organisations,
    )


def test_the_cached_analysis_holds_ids_and_numbers_only(network):
    """No member's name (or any model) waits in Redis for the next refresh: names are read
    when the page is shown, so a closed account is named nowhere."""
    network_bridging_refresh()

    cached = pickle.dumps(cache.get(BRIDGING_KEY))
    assert b"Bea Bridge" not in cached and b"members.models" not in cached
