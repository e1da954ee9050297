"""Reach against the admin's targets, and the self-assessment beside the measured figures."""

import pytest
from django.urls import reverse

from communities.models import Community
from insights.models import Assessment, Target
from members.models import Region
from tests.factories import OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def test_reach_shows_members_against_each_target(client, member):
    Target.objects.create(dimension="region", value=Region.EAST, members=4)
    for _ in range(2):
        ProfileFactory(region=Region.EAST, organisation=OrganisationFactory(kind="council"))

    client.force_login(member)
    page = client.get(reverse("insights:dashboard")).content.decode()
    download = client.get(reverse("insights:reach_csv")).content
    figures = download.decode("utf-8-sig").splitlines()

    assert "Reach against the network" in page and "50%" in page
    assert "Region,East,2,4,50" in figures
    assert "Type of organisation,Council,2,," in figures  # no target set
    assert "Set the targets" not in page  # only admins set them
    assert download.startswith("\ufeff".encode()), "Excel reads it as UTF-8"


def test_the_admin_sets_a_target_from_one_list(client, admin_member):
    client.force_login(admin_member)
    add = reverse("admin:insights_target_add")

    assert "Set the targets" in client.get(reverse("insights:dashboard")).content.decode()
    client.post(add, {"applies_to": "sector:third_sector", "members": 250})
    again = client.post(add, {"applies_to": "sector:third_sector", "members": 300})

    assert Target.objects.get().members == 250
    assert "There is a target for these members already." in again.content.decode()


def test_each_feature_shows_the_networks_own_rating_beside_its_figures(client, member):
    for year, rating in [(2024, 2), (2025, 4)]:
        Assessment.objects.create(year=year, feature="critical_mass", rating=rating)

    client.force_login(member)
    page = client.get(reverse("insights:dashboard")).content.decode()

    assert "<strong>2 out of 5</strong> in 2024, <strong>4 out of 5</strong> in 2025" in page


def test_a_coordinator_narrows_to_a_type_of_organisation_and_a_community(client, coordinator):
    falls = Community.objects.create(name="Falls prevention", slug="falls", purpose="p")
    client.force_login(coordinator)

    page = client.get(
        reverse("insights:dashboard"),
        {"organisation_kind": "council", "community": falls.pk, "months": 6},
    ).content.decode()

    assert "for members from council organisations, of the community Falls prevention" in page
    assert "organisation_kind=council&amp;community=" in page  # the CSV links keep the choice


def test_a_secret_community_cannot_be_chosen(client, coordinator):
    secret = Community.objects.create(
        name="Quiet room", slug="quiet", purpose="p", privacy=Community.Privacy.SECRET
    )
    client.force_login(coordinator)

    page = client.get(reverse("insights:dashboard"), {"community": secret.pk}).content.decode()

    assert "Quiet room" not in page
    assert "across the whole network" in page
