"""Reading the site's Atom feeds as a feed reader does, with feedparser."""

import re

import feedparser
from django.conf import settings
from django.test import Client


def read_feed(address: str, client: Client | None = None) -> feedparser.FeedParserDict:
    """The feed at this address, checked to be well-formed Atom 1.0 whose links all lead to
    SITE_URL, and to name the page it follows and itself."""
    response = (client or Client()).get(address)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == f"{settings.SITE_URL}{address}"
    assert links["alternate"].startswith(f"{settings.SITE_URL}/")
    for entry in feed.entries:
        assert entry.link.startswith(f"{settings.SITE_URL}/"), entry.link
        assert entry.id and entry.title and entry.updated_parsed
    return feed


def titles(feed) -> list[str]:
    return [entry.title for entry in feed.entries]


def alternate_links(html: str) -> list[str]:
    """The feed addresses a page names in its <head> for browsers and readers to find."""
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)">', html
    )
