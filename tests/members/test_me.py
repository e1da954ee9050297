from pathlib import Path

import pytest
from django.urls import reverse

from members import hooks
from members.services import profile_completeness
from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory

pytestmark = pytest.mark.django_db

TEST_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

ME = reverse("members:me")


def test_visitors_are_sent_to_sign_in(client):
    assert client.get(ME)["Location"].startswith(reverse("account_login"))


def test_the_progress_indicator_shows_what_is_missing(client, owner):
    client.force_login(owner.member)

    page = client.get(ME).content.decode()

    completeness = profile_completeness(owner)
    assert completeness["done"] == 5 and completeness["total"] == 8
    assert "Your profile is 62% complete" in page
    assert "You have completed 5 of 8 parts" in page


def test_people_to_meet_share_expertise_and_work_elsewhere(client, owner, frailty, falls):
    elsewhere = OrganisationFactory(name="NHS Fife", slug="nhs-fife")
    ProfileFactory(member__name="Best Match", organisation=elsewhere, expertise=[frailty, falls])
    ProfileFactory(
        member__name="Same Organisation", organisation=owner.organisation, expertise=[frailty]
    )
    ProfileFactory(member__name="Nothing Shared", organisation=elsewhere, expertise=[falls])
    owner.expertise.add(falls)
    ProfileFactory(
        member__name="One In Common", organisation=elsewhere, expertise=[TopicFactory(), frailty]
    )
    client.force_login(owner.member)

    meet = [profile.member.name for profile in client.get(ME).context["people_to_meet"]]

    assert meet == ["Best Match", "Nothing Shared", "One In Common"]


def test_an_app_adds_its_part_through_one_hook(client, owner, monkeypatch, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}
    ]
    monkeypatch.setattr(
        hooks,
        "_home_panels",
        [
            (
                "members/_test_panel.html",
                lambda member: {"greeting": f"3 new threads for {member.name}"},
            ),
            ("members/_test_panel.html", lambda member: None),
        ],
    )
    client.force_login(owner.member)

    page = client.get(ME).content.decode()

    assert page.count("3 new threads for Morag Campbell") == 1


def test_the_home_page_uses_the_same_queries_however_much_is_there(
    client, owner, frailty, django_assert_num_queries
):
    ProfileFactory(organisation=OrganisationFactory(), expertise=[frailty])
    client.force_login(owner.member)
    with django_assert_num_queries(15):
        client.get(ME)

    for _ in range(12):
        ProfileFactory(organisation=OrganisationFactory(), expertise=[frailty, TopicFactory()])
    owner.interests.add(*TopicFactory.create_batch(5))
    with django_assert_num_queries(15):
        client.get(ME)
