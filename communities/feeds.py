"""The Atom feed of an open community's new threads, at a member's private address: open
communities' discussions are for signed-in members, and a feed reader cannot sign in."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.safestring import mark_safe

from base.feeds import FEED_LENGTH, NetworkFeed
from communities.models import Community, Post, Thread
from members.models import User
from members.services import member_by_feed_key


@dataclass
class CommunityFeed:
    community: Community
    reader: User
    key: str


def community_feed_path(community: Community, key: str) -> str:
    return reverse("feeds:community", args=[community.slug, key])


class CommunityThreadsFeed(NetworkFeed):
    # Members' discussions at one member's address: no shared cache may keep a copy.
    cache_control = "private, no-store"

    def get_object(self, request, slug: str, key: str) -> CommunityFeed:
        reader = member_by_feed_key(key)
        if reader is None:
            raise Http404("No such feed")
        # Closed and secret communities' discussions stay on the site: a feed reader is often
        # a service elsewhere, and their members chose who reads them.
        community = (
            Community.objects.readable_by(reader)
            .filter(privacy=Community.Privacy.OPEN, slug=slug)
            .first()
        )
        if community is None:
            raise Http404("No such feed")
        return CommunityFeed(community=community, reader=reader, key=key)

    def title(self, feed: CommunityFeed) -> str:
        return f"New threads in {feed.community.name}"

    def subtitle(self, feed: CommunityFeed) -> str:
        return f"Discussions started in the community of practice {feed.community.name}."

    def page_path(self, feed: CommunityFeed) -> str:
        return feed.community.get_absolute_url()

    def feed_path(self, feed: CommunityFeed) -> str:
        return community_feed_path(feed.community, feed.key)

    def items(self, feed: CommunityFeed):
        # The thread's opening post, whatever became of it: shown only while it is visible, so
        # a hidden opening never gives way to the first reply.
        opening = Post.objects.filter(thread=OuterRef("pk")).order_by("created_at", "pk")
        return (
            Thread.objects.visible_to(feed.reader)
            .filter(community=feed.community)
            .select_related("community")
            .defer("search_vector")
            .annotate(
                opening_html=Subquery(opening.values("body_html")[:1]),
                opening_state=Subquery(opening.values("state")[:1]),
            )
            .order_by("-created_at", "-pk")[:FEED_LENGTH]
        )

    def item_description(self, thread: Thread) -> str:
        # The opening post as the thread shows it: rendered through the one sanitiser when it
        # was written; nothing when a moderator hid or removed it.
        if thread.opening_state != Post.State.VISIBLE:
            return ""
        return mark_safe(thread.opening_html or "")  # noqa: S308

    def item_pubdate(self, thread: Thread):
        return thread.created_at

    def item_updateddate(self, thread: Thread):
        return thread.last_post_at
