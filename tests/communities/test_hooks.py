import json

import pytest
from django.urls import reverse

from communities.services import thread_start
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_profile_lists_communities_but_a_secret_one_only_to_its_members(
    client, open_community, secret_community, participant, stranger, moderator
):
    profile_url = reverse("members:profile", args=[participant.profile.slug])

    client.force_login(stranger)
    page = client.get(profile_url).content.decode()
    assert "Frailty Improvement Network" in page
    assert "Board Improvement Leads" not in page

    client.force_login(moderator)
    assert "Board Improvement Leads" in client.get(profile_url).content.decode()


def test_my_page_lists_my_communities_with_new_threads(
    client, open_community, participant, moderator
):
    thread_start(community=open_community, author=moderator, title="New one", body="Fresh")
    client.force_login(participant)

    page = client.get(reverse("members:me")).content.decode()

    assert "My communities" in page
    assert "1 new thread" in page


def test_the_export_holds_my_memberships_and_posts(client, open_community, participant):
    thread_start(community=open_community, author=participant, title="Mine", body="My words")
    client.force_login(participant)

    data = json.loads(client.get(reverse("members:export")).content)

    assert data["communities"]["memberships"][0]["community"] == "Frailty Improvement Network"
    assert data["communities"]["posts"][0]["body"] == "My words"


def test_a_closed_account_leaves_its_posts_as_from_a_former_member(
    client, open_community, participant, stranger
):
    thread = thread_start(
        community=open_community, author=participant, title="Huddles", body="We run them daily."
    )
    client.force_login(participant)
    client.post(reverse("members:delete"), {"password": PASSWORD})

    client.force_login(stranger)
    page = client.get(thread.get_absolute_url()).content.decode()

    assert "We run them daily." in page
    assert "A former member" in page
    assert "Pat Participant" not in page
    assert not open_community.memberships.filter(member=participant).exists()
