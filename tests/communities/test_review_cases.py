"""Edges found in review: who hears what after leaving, counts, tampered input, final removals."""

import pytest
from django.urls import reverse

from communities.models import Community, Membership, Post
from communities.services import reply_create, thread_start
from members.models import Notification
from tests.communities.conftest import join, make_community
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db


def test_a_member_who_left_hears_nothing_more_of_a_closed_community(
    client, closed_thread, participant, moderator
):
    client.force_login(participant)
    client.post(reverse("communities:leave", args=[closed_thread.community.slug]))
    Notification.objects.all().delete()

    reply_create(thread=closed_thread, author=moderator, body="News for members only.")

    assert not Notification.objects.filter(recipient=participant).exists()


def test_closing_an_open_community_stops_outsiders_following_it(
    client, open_community, participant, moderator, stranger
):
    thread = thread_start(community=open_community, author=participant, title="T", body="B")
    client.force_login(stranger)
    client.post(
        reverse("communities:thread_action", args=[open_community.slug, thread.pk, "follow"])
    )
    client.force_login(moderator)
    client.post(
        reverse("communities:edit", args=[open_community.slug]),
        {
            "name": open_community.name,
            "purpose": open_community.purpose,
            "level": "national",
            "privacy": "closed",
        },
    )
    Notification.objects.all().delete()

    reply_create(thread=thread, author=moderator, body="Now closed.")

    assert not Notification.objects.filter(recipient=stranger).exists()


def test_a_secret_community_shows_its_full_member_count_to_its_members(
    client, secret_community, participant, moderator
):
    join(secret_community, ProfileFactory().member)
    client.force_login(participant)

    listed = {
        community.name: community.member_count
        for community in client.get(reverse("communities:list")).context["page"].object_list
    }

    assert listed["Board Improvement Leads"] == 3


def test_closed_membership_is_not_shown_on_a_profile_to_outsiders(
    client, closed_community, participant, stranger
):
    client.force_login(stranger)

    page = client.get(reverse("members:profile", args=[participant.profile.slug])).content.decode()

    assert "QI Coaches Circle" not in page


@pytest.mark.parametrize("view", ["requests", "reports"])
def test_a_tampered_id_is_not_found_not_an_error(client, closed_community, moderator, view):
    client.force_login(moderator)

    response = client.post(
        reverse(f"communities:{view}", args=[closed_community.slug]),
        {"request": "abc", "report": "abc", "decision": "approve"},
    )

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["New", "Invitations"])
def test_a_community_named_like_a_page_still_has_its_own_address(client, coordinator, name):
    client.force_login(coordinator)

    client.post(
        reverse("communities:create"),
        {
            "name": name,
            "level": "national",
            "privacy": "open",
            "purpose": "A community whose name is also a word the site uses.",
        },
    )

    community = Community.objects.get(name=name)
    assert client.get(community.get_absolute_url()).context["community"] == community


def test_a_removed_post_stays_removed_and_the_question_is_not_an_answer(
    client, closed_thread, moderator, participant
):
    opening, reply = closed_thread.posts.order_by("created_at")
    client.force_login(moderator)
    client.post(
        reverse("communities:post_action", args=[closed_thread.community.slug, reply.pk, "remove"])
    )
    client.post(
        reverse("communities:post_action", args=[closed_thread.community.slug, reply.pk, "show"])
    )
    client.force_login(participant)
    client.post(
        reverse(
            "communities:post_action", args=[closed_thread.community.slug, opening.pk, "answer"]
        )
    )

    reply.refresh_from_db()
    closed_thread.refresh_from_db()
    assert reply.state == Post.State.REMOVED
    assert closed_thread.answer is None


@pytest.mark.parametrize(
    ("method", "name", "extra", "data"),
    [
        ("get", "edit", [], {}),
        ("get", "invite", [], {}),
        ("post", "invite", [], {"email": "x@example.org"}),
        ("post", "reports", [], {"report": "1"}),
        ("post", "thread_action", ["unlock"], {}),
        ("post", "post_action", ["show"], {}),
        ("post", "post_action", ["remove"], {}),
    ],
)
def test_members_who_are_not_moderators_cannot_moderate(
    client, closed_thread, participant, stranger, method, name, extra, data
):
    slug = closed_thread.community.slug
    target = {"thread_action": [closed_thread.pk], "post_action": [closed_thread.posts.last().pk]}
    url = reverse(f"communities:{name}", args=[slug, *target.get(name, []), *extra])

    client.force_login(participant)
    assert getattr(client, method)(url, data).status_code == 403
    client.force_login(stranger)
    assert getattr(client, method)(url, data).status_code in (403, 404)
    assert closed_thread.posts.last().state == Post.State.VISIBLE


def test_only_members_choose_their_emails(client, closed_community, stranger):
    client.force_login(stranger)

    response = client.post(
        reverse("communities:digest", args=[closed_community.slug]), {"digest": "each"}
    )

    assert response.status_code == 404


def test_the_community_page_uses_the_same_queries_for_few_or_many(
    client, open_community, participant, django_assert_num_queries
):
    client.force_login(participant)
    thread_start(community=open_community, author=participant, title="First", body="Body")
    # With the projects the community helped (projects.hooks).
    with django_assert_num_queries(10):
        client.get(open_community.get_absolute_url())
    for number in range(30):
        author = ProfileFactory().member
        join(open_community, author)
        thread_start(community=open_community, author=author, title=f"Thread {number}", body="B")
    with django_assert_num_queries(10):
        response = client.get(open_community.get_absolute_url())
    assert len(response.context["threads"].object_list) == 20


def test_closing_an_account_hands_a_community_on_and_forgets_mentions(
    client, open_community, participant, moderator
):
    thread = thread_start(
        community=open_community,
        author=participant,
        title="Hello",
        body="Thanks @moira-moderator for this.",
    )
    client.force_login(moderator)
    client.post(reverse("members:delete"), {"password": PASSWORD})

    assert Membership.objects.get(community=open_community, member=participant).is_moderator
    opening = thread.posts.get()
    assert "moira" not in opening.body and "Moira" not in opening.body_html
    assert not opening.mentions.exists()


def test_strangers_cannot_join_a_secret_community(client, moderator, stranger):
    secret = make_community(moderator, "Hidden Leads", privacy="secret")
    client.force_login(stranger)

    assert client.post(reverse("communities:join", args=[secret.slug])).status_code == 404
