"""The Atom feed of what the library newly holds for anyone to read."""

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from base.feeds import FEED_LENGTH, NetworkFeed
from resources.models import Resource


class NewResourcesFeed(NetworkFeed):
    title = "New in the resource library"
    subtitle = "Improvement tools, guides, case studies and recordings shared by the network."
    page_path = "/resources/"

    def feed_path(self, obj=None) -> str:
        return reverse("feeds:resources")

    def items(self):
        # A feed reader never signs in: it gets what the library shows a visitor.
        return (
            Resource.objects.visible_to(AnonymousUser())
            .listed()
            # A file's words can run to megabytes: the feed needs none of them.
            .defer("file_text", "search_vector")
            .order_by("-first_published_at", "-pk")[:FEED_LENGTH]
        )

    def item_summary_text(self, resource: Resource) -> str:
        return resource.summary

    def item_categories(self, resource: Resource) -> list[str]:
        return [resource.get_kind_display()]

    def item_pubdate(self, resource: Resource):
        return resource.first_published_at

    def item_updateddate(self, resource: Resource):
        return resource.updated_at
