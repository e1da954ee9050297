"""The feed of an open community's new threads, at each member's private address."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from communities.models import Community, Membership, Post, Thread
from communities.services import post_moderate, reply_create, thread_start
from members.services import feed_key_for, member_erase
from tests.factories import ProfileFactory
from tests.feeds import alternate_links, read_feed, titles

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_community(db):
    return Community.objects.create(
        name="Flow Improvers", slug="flow-improvers", purpose="Patient flow.", privacy="open"
    )


@pytest.fixture
def closed_community(db):
    return Community.objects.create(
        name="Ward Managers", slug="ward-managers", purpose="Managers talk.", privacy="closed"
    )


@pytest.fixture
def poster(db):
    return ProfileFactory(member__name="Priya Poster").member


def start(community, author, title, body="What has worked for you?", days_ago=0):
    Membership.objects.get_or_create(community=community, member=author)
    thread = thread_start(community=community, author=author, title=title, body=body)
    Thread.objects.filter(pk=thread.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return thread


def feed_address_on_page(client, community) -> str:
    html = client.get(community.get_absolute_url()).content.decode()
    (address,) = alternate_links(html)
    assert f'value="{address}"' in html  # the same address, shown to copy
    return address.removeprefix(settings.SITE_URL)


def test_a_member_follows_an_open_community_from_its_page(client, member, open_community, poster):
    start(open_community, poster, "Discharge before noon", days_ago=3)
    start(open_community, poster, "Weekend flow", body="Our **weekend** huddle.", days_ago=1)
    client.force_login(member)
    address = feed_address_on_page(client, open_community)

    feed = read_feed(address)  # a feed reader: no session
    assert Client().get(address)["Cache-Control"] == "private, no-store"
    assert feed.feed.title == "New threads in Flow Improvers"
    assert feed.feed.link == f"{settings.SITE_URL}/communities/flow-improvers/"
    assert titles(feed) == ["Weekend flow", "Discharge before noon"]
    assert "<strong>weekend</strong>" in feed.entries[0].summary


def test_an_opening_post_a_moderator_hid_is_not_in_the_feed(
    client, member, open_community, poster, coordinator
):
    thread = start(open_community, poster, "Heated", body="Something rude")
    post_moderate(post=thread.posts.first(), moderator=coordinator, state=Post.State.HIDDEN)
    (entry,) = read_feed(f"/feeds/communities/flow-improvers/{feed_key_for(member)}/").entries
    assert entry.title == "Heated" and "rude" not in entry.get("summary", "")


def test_a_hidden_opening_post_never_gives_way_to_the_first_reply(
    member, open_community, poster, coordinator
):
    thread = start(open_community, poster, "Heated", body="Something rude")
    reply_create(thread=thread, author=poster, body="A calm reply")
    post_moderate(post=thread.posts.first(), moderator=coordinator, state=Post.State.HIDDEN)
    (entry,) = read_feed(f"/feeds/communities/flow-improvers/{feed_key_for(member)}/").entries
    assert "calm reply" not in entry.get("summary", "")


def test_characters_xml_cannot_carry_are_left_out_not_an_error(
    client, member, open_community, poster
):
    Membership.objects.create(community=open_community, member=member)
    client.force_login(member)
    client.post(
        "/communities/flow-improvers/threads/new/",
        {"title": "Bell\x07 rings\x1b", "body": "Beep\x01 beep"},
    )
    (entry,) = read_feed(f"/feeds/communities/flow-improvers/{feed_key_for(member)}/").entries
    assert entry.title == "Bell rings" and "Beep beep" in entry.summary


def test_closed_communities_have_no_feed_even_for_their_members(
    client, member, closed_community, poster
):
    start(closed_community, poster, "Rota troubles")
    Membership.objects.create(community=closed_community, member=member)
    client.force_login(member)
    html = client.get(closed_community.get_absolute_url()).content.decode()
    assert "Rota troubles" in html and alternate_links(html) == []
    address = f"/feeds/communities/ward-managers/{feed_key_for(member)}/"
    assert Client().get(address).status_code == 404


def test_visitors_get_no_feed_address(client, open_community):
    assert alternate_links(client.get(open_community.get_absolute_url()).content.decode()) == []


@pytest.mark.parametrize(
    "key", ["", "short", "x" * 24, "../../etc/passwd", "1-0-" + "0" * 32, "1-0-" + "f" * 40]
)
def test_a_made_up_key_finds_nothing(open_community, member, key):
    assert Client().get(f"/feeds/communities/flow-improvers/{key}/").status_code == 404


def test_a_new_address_stops_the_old_one(client, member, open_community):
    old = f"/feeds/communities/flow-improvers/{feed_key_for(member)}/"
    client.force_login(member)
    response = client.post("/members/me/preferences/feeds/", follow=True)
    assert "Your feeds have new addresses" in response.content.decode()
    assert Client().get(old).status_code == 404
    read_feed(feed_address_on_page(client, open_community))


def test_a_member_who_leaves_the_network_takes_their_feeds_with_them(member, open_community):
    address = f"/feeds/communities/flow-improvers/{feed_key_for(member)}/"
    member_erase(member)
    assert Client().get(address).status_code == 404


def test_a_suspended_member_s_feed_stops(member, open_community):
    address = f"/feeds/communities/flow-improvers/{feed_key_for(member)}/"
    member.is_active = False
    member.save()
    assert Client().get(address).status_code == 404


def test_the_feed_queries_stay_the_same_as_threads_grow(
    member, open_community, poster, django_assert_num_queries
):
    address = f"/feeds/communities/flow-improvers/{feed_key_for(member)}/"
    start(open_community, poster, "First")
    reader = Client()
    with django_assert_num_queries(3):
        reader.get(address)
    for number in range(8):
        start(open_community, poster, f"Thread {number}")
    with django_assert_num_queries(3):
        reader.get(address)


def test_another_member_s_number_with_one_s_own_signature_finds_nothing(
    member, outsider, open_community
):
    mine = feed_key_for(member)
    _number, generation, signature = mine.split("-")
    forged = f"{outsider.pk}-{generation}-{signature}"
    assert Client().get(f"/feeds/communities/flow-improvers/{mine}/").status_code == 200
    assert Client().get(f"/feeds/communities/flow-improvers/{forged}/").status_code == 404
