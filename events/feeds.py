"""The Atom feed of upcoming public events, for feed readers and other sites' event lists."""

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from base.feeds import FEED_LENGTH, NetworkFeed
from base.links import absolute_url
from events.models import Event
from events.services import for_viewer, full_location


class UpcomingEventsFeed(NetworkFeed):
    title = "Upcoming events"
    subtitle = "Learning events, masterclasses and webinars of the network that anyone may join."
    page_path = "/events/"

    def feed_path(self, obj=None) -> str:
        return reverse("feeds:events")

    def items(self):
        # A feed reader never signs in: it gets what a visitor sees, a series named only
        # where a visitor may see it.
        visitor = AnonymousUser()
        return (
            for_viewer(Event.objects.visible_to(visitor), visitor)
            .filter(ends_at__gt=timezone.now())
            .select_related("series")
            .defer("search_vector")
            .order_by("starts_at")[:FEED_LENGTH]
        )

    def item_title(self, event: Event) -> str:
        when = date_format(timezone.localtime(event.starts_at), "j F Y")
        title = f"{event.title} ({when})"
        return f"Cancelled: {title}" if event.is_cancelled else title

    def item_description(self, event: Event) -> str:
        starts = timezone.localtime(event.starts_at)
        ends = timezone.localtime(event.ends_at)
        facts = format_html(
            "<p>{} to {}. {}.</p>",
            date_format(starts, "l j F Y, H:i"),
            date_format(ends, "H:i" if ends.date() == starts.date() else "l j F Y, H:i"),
            full_location(event),
        )
        if event.part_of:
            facts = format_html(
                '{}<p>Part of the series <a href="{}">{}</a>.</p>',
                facts,
                absolute_url(event.part_of.get_absolute_url()),
                event.part_of.title,
            )
        if event.is_cancelled:
            facts = format_html("<p><strong>Cancelled.</strong></p>{}", facts)
        return facts + super().item_description(event)

    def item_summary_text(self, event: Event) -> str:
        return event.summary

    def item_pubdate(self, event: Event):
        return event.created_at

    def item_updateddate(self, event: Event):
        return event.modified_at
