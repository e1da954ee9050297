"""Atom feeds (Django's syndication framework) whose every link is built from SITE_URL, as the
e-mails' and calendars' are: never from the Host header of whoever asks for the feed."""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from base.links import absolute_url
from base.markdown import render_markdown

# A feed reader asks every few minutes; a page of this many entries is what readers show.
FEED_LENGTH = 30
# Characters XML 1.0 cannot carry at all: one typed into a thread's title would otherwise make
# the whole feed fail for every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value):
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


class NetworkAtomFeed(Atom1Feed):
    """Atom, with every text made safe for XML first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class NetworkFeed(Feed):
    """An Atom feed of the network. Subclasses give `page_path` and `feed_path` (or the
    methods of those names, for a feed of one object), `title`, `subtitle` and `items`; each
    entry links to its item's get_absolute_url."""

    feed_type = NetworkAtomFeed
    page_path = "/"
    feed_path = "/"
    # Readers poll: a short shared cache keeps their visits cheap without going stale. A feed
    # at a member's private address says "private, no-store" instead.
    cache_control = "public, max-age=300"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = self.cache_control
        return response

    def link(self, obj=None) -> str:
        return absolute_url(self._path("page_path", obj))

    def feed_url(self, obj=None) -> str:
        return absolute_url(self._path("feed_path", obj))

    def _path(self, name: str, obj) -> str:
        path = getattr(self, name)
        return path(obj) if callable(path) else path

    def item_link(self, item) -> str:
        return absolute_url(item.get_absolute_url())

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        """The entry's summary as the site shows it: Markdown through the one sanitiser."""
        return render_markdown(self.item_summary_text(item))

    def item_summary_text(self, item) -> str:
        return ""
