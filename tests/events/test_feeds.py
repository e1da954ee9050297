"""The Atom feed of upcoming public events."""

from datetime import timedelta

import pytest
from django.conf import settings

from communities.models import Community
from events.models import Event
from events.services import event_cancel
from tests.events.conftest import make_event
from tests.events.test_series import add_sessions, make_series
from tests.feeds import alternate_links, read_feed, titles

pytestmark = pytest.mark.django_db

FEED = "/feeds/events/"


def test_upcoming_public_events_are_in_the_feed_in_date_order(coordinator):
    later = make_event(coordinator, "Spread and scale", starts_in=timedelta(days=20))
    sooner = make_event(coordinator, "Run charts in an hour", starts_in=timedelta(days=3))
    feed = read_feed(FEED)
    assert [entry.link for entry in feed.entries] == [
        f"{settings.SITE_URL}{sooner.get_absolute_url()}",
        f"{settings.SITE_URL}{later.get_absolute_url()}",
    ]
    assert feed.feed.title == "Upcoming events"
    assert feed.feed.link == f"{settings.SITE_URL}/events/"


def test_an_entry_says_when_and_where_and_what(coordinator):
    make_event(
        coordinator,
        "Frailty masterclass",
        format=Event.Format.IN_PERSON,
        venue="Golden Jubilee Conference Hotel",
        address="Beardmore Street\nClydebank G81 4SA",
        summary="Practical **frailty** examples.",
    )
    (entry,) = read_feed(FEED).entries
    assert entry.title.startswith("Frailty masterclass (")
    assert "Golden Jubilee Conference Hotel, Beardmore Street, Clydebank G81 4SA" in entry.summary
    assert "<strong>frailty</strong>" in entry.summary
    # The joining link is for confirmed places only, never in a feed.
    assert "meet.example.org" not in entry.summary


def test_members_only_past_and_secret_communities_events_stay_out(coordinator):
    secret = Community.objects.create(
        name="Quiet circle", slug="quiet-circle", purpose="x", privacy=Community.Privacy.SECRET
    )
    make_event(coordinator, "For members", visibility=Event.Visibility.MEMBERS)
    make_event(coordinator, "Long gone", starts_in=timedelta(days=-3))
    make_event(coordinator, "Secret session", community=secret)
    make_event(coordinator, "Open to all")
    assert [title.split(" (")[0] for title in titles(read_feed(FEED))] == ["Open to all"]


def test_a_cancelled_event_stays_in_the_feed_marked_cancelled(coordinator):
    event = make_event(coordinator, "Improvement clinic")
    event_cancel(event=event, canceller=coordinator, message="The speaker is unwell.")
    (entry,) = read_feed(FEED).entries
    assert entry.title.startswith("Cancelled: Improvement clinic")
    assert "Cancelled." in entry.summary


def test_the_feed_is_the_same_for_a_signed_in_member(client, member, coordinator):
    make_event(coordinator, "For members", visibility=Event.Visibility.MEMBERS)
    client.force_login(member)
    assert titles(read_feed(FEED, client)) == []


def test_a_public_feed_may_be_kept_a_few_minutes_by_any_cache(client):
    assert client.get(FEED)["Cache-Control"] == "public, max-age=300"


def test_the_events_list_names_its_feed(client):
    html = client.get("/events/").content.decode()
    assert alternate_links(html) == [FEED]
    assert "Follow upcoming events in a feed reader" in html


def test_the_feed_links_to_site_url_whatever_host_asks(coordinator, client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    make_event(coordinator)
    response = client.get(FEED, HTTP_HOST="evil.example.com")
    assert b"evil.example.com" not in response.content


def test_the_feed_queries_stay_the_same_as_events_grow(
    coordinator, client, django_assert_num_queries
):
    make_event(coordinator, "One")
    with django_assert_num_queries(1):
        client.get(FEED)
    for number in range(10):
        make_event(coordinator, f"More {number}")
    with django_assert_num_queries(1):
        client.get(FEED)


def test_a_session_names_its_series_where_visitors_may_see_it(coordinator):
    public = make_series(coordinator, "Measurement masterclasses")
    add_sessions(public, count=2)
    for_members = make_series(coordinator, "Leaders' circle", visibility=Event.Visibility.MEMBERS)
    add_sessions(for_members, count=1)
    entries = read_feed(FEED).entries
    named = [entry for entry in entries if "Part of the series" in entry.summary]
    assert len(entries) == 3 and len(named) == 2
    assert (
        f'href="{settings.SITE_URL}/events/series/measurement-masterclasses/"' in named[0].summary
    )
    assert "Leaders" not in " ".join(entry.summary for entry in entries)


def test_a_title_with_a_character_xml_cannot_carry_still_makes_a_feed(coordinator):
    make_event(coordinator, "Bell\x07 rings", summary="Beep\x01 beep")
    (entry,) = read_feed(FEED).entries
    assert entry.title.startswith("Bell rings (") and "Beep beep" in entry.summary
