"""The Atom feed of the eBulletin archive: each bulletin as the public archive shows it."""

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from base.feeds import FEED_LENGTH, NetworkFeed
from bulletins.models import Bulletin
from bulletins.snapshot import bulletin_content


class BulletinArchiveFeed(NetworkFeed):
    title = "eBulletin"
    subtitle = "The network's eBulletin: news, events and resources, as each issue was sent."
    page_path = "/bulletins/"

    def feed_path(self, obj=None) -> str:
        return reverse("feeds:bulletins")

    def items(self):
        # A feed reader never signs in: it gets the archive a visitor sees.
        return (
            Bulletin.objects.visible_to(AnonymousUser())
            .sent()
            .order_by("-sent_at", "-pk")[:FEED_LENGTH]
        )

    def item_description(self, bulletin: Bulletin) -> str:
        # What was sent, not what its resources and events say now, and without the sections
        # for members only.
        content = bulletin_content(bulletin.frozen, AnonymousUser())
        # Sanitised when the bulletin was frozen, by the one Markdown renderer.
        introduction = mark_safe(content.get("introduction_html", ""))  # noqa: S308
        headings = format_html_join(", ", "{}", ((s["heading"],) for s in content["sections"]))
        if not headings:
            return introduction
        return introduction + format_html("<p>In this issue: {}.</p>", headings)

    def item_pubdate(self, bulletin: Bulletin):
        return bulletin.sent_at

    def item_updateddate(self, bulletin: Bulletin):
        return bulletin.sent_at
