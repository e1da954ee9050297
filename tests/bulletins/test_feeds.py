"""The Atom feed of the eBulletin archive."""

import pytest
from django.conf import settings

from bulletins import services
from communities.models import Community
from tests.bulletins.conftest import add_section, make_bulletin, subscribe
from tests.factories import MemberFactory
from tests.feeds import alternate_links, read_feed, titles

pytestmark = pytest.mark.django_db

FEED = "/feeds/bulletins/"


@pytest.fixture
def reader(db):
    return subscribe(MemberFactory(name="Rhona Reid"))[0]


def test_sent_bulletins_are_in_the_feed_newest_first(curator, reader):
    for title in ("eBulletin: October 2026", "eBulletin: November 2026"):
        bulletin = make_bulletin(title, author=curator)
        add_section(bulletin, "News")
        services.bulletin_send(bulletin=bulletin)
    make_bulletin("eBulletin: December 2026 (draft)", author=curator)
    feed = read_feed(FEED)
    assert titles(feed) == ["eBulletin: November 2026", "eBulletin: October 2026"]
    assert feed.entries[0].link == f"{settings.SITE_URL}/bulletins/ebulletin-november-2026/"
    assert feed.feed.link == f"{settings.SITE_URL}/bulletins/"


def test_an_entry_is_the_bulletin_as_visitors_may_read_it(curator, reader):
    closed = Community.objects.create(
        name="Ward Managers", slug="ward-managers", purpose="Managers talk.", privacy="closed"
    )
    bulletin = make_bulletin(author=curator, introduction="Welcome to **winter**.")
    add_section(bulletin, "Open news", position=1, text="Winter pressures.")
    add_section(bulletin, "Members' corner", position=2, members_only=True)
    add_section(bulletin, "Communities", position=3).communities.set([closed])
    services.bulletin_send(bulletin=bulletin)
    # Edits after sending change nothing that was sent.
    bulletin.sections.filter(heading="Open news").update(heading="Rewritten later")

    (entry,) = read_feed(FEED).entries
    assert "<strong>winter</strong>" in entry.summary
    assert "In this issue: Open news." in entry.summary
    assert "Members" not in entry.summary and "Ward Managers" not in entry.summary


def test_the_archive_names_its_feed(client):
    html = client.get("/bulletins/").content.decode()
    assert alternate_links(html) == [FEED]


def test_the_feed_queries_stay_the_same_as_the_archive_grows(
    curator, reader, client, django_assert_num_queries
):
    def send(title):
        bulletin = make_bulletin(title, author=curator)
        add_section(bulletin, "News")
        services.bulletin_send(bulletin=bulletin)

    send("First")
    with django_assert_num_queries(1):
        client.get(FEED)
    for number in range(5):
        send(f"Issue {number}")
    with django_assert_num_queries(1):
        client.get(FEED)


def test_a_bulletin_sent_to_chosen_members_is_not_in_the_feed(curator, reader):
    everyone = make_bulletin("eBulletin: for everyone", author=curator)
    add_section(everyone, "News", text="For all.")
    services.bulletin_send(bulletin=everyone)
    north = make_bulletin("eBulletin: the north", author=curator, audience_regions=["north"])
    add_section(north, "News", text="For the north.")
    services.bulletin_send(bulletin=north)
    assert titles(read_feed(FEED)) == ["eBulletin: for everyone"]
