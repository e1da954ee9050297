"""The Atom feed of what is new in the library for anyone to read."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from resources.models import Resource
from tests.feeds import alternate_links, read_feed, titles
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db

FEED = "/feeds/resources/"


def test_newest_public_resources_come_first():
    now = timezone.now()
    make_resource("Older guide", first_published_at=now - timedelta(days=9))
    newest = make_resource("Newest tool", first_published_at=now - timedelta(days=1))
    feed = read_feed(FEED)
    assert titles(feed) == ["Newest tool", "Older guide"]
    assert feed.entries[0].link == f"{settings.SITE_URL}{newest.get_absolute_url()}"
    assert feed.entries[0].tags[0].term == "Improvement tool"
    assert "plotting data over time" in feed.entries[0].summary


def test_members_only_drafts_and_archived_resources_stay_out(member):
    make_resource("For members", audience=Resource.Audience.MEMBERS)
    make_resource("Not yet", status=Resource.Status.DRAFT)
    make_resource("Retired", status=Resource.Status.ARCHIVED)
    make_resource("Suggested", status=Resource.Status.DRAFT, contributor=member)
    make_resource("For everyone")
    assert titles(read_feed(FEED)) == ["For everyone"]


def test_a_summary_in_markdown_is_sanitised():
    make_resource("Tricky", summary="Read **this** <script>alert(1)</script>")
    (entry,) = read_feed(FEED).entries
    assert "<strong>this</strong>" in entry.summary
    assert "<script" not in entry.summary


def test_the_library_names_its_feed(client):
    html = client.get("/resources/").content.decode()
    assert alternate_links(html) == [FEED]


def test_the_feed_queries_stay_the_same_as_the_library_grows(client, django_assert_num_queries):
    make_resource("One")
    with django_assert_num_queries(1):
        client.get(FEED)
    for number in range(10):
        make_resource(f"More {number}")
    with django_assert_num_queries(1):
        client.get(FEED)
