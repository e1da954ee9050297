"""What communities add to a member's own page, profile, export and erasure (members.hooks)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from communities.models import (
    Invitation,
    JoinRequest,
    Membership,
    Post,
    Report,
    Thread,
    ThreadSubscription,
)
from communities.services import FOUNDERS, mention_pattern, post_render, threads_index
from members.roles import is_coordinator


def home_panel(member) -> dict:
    week_ago = timezone.now() - timedelta(days=7)
    memberships = (
        Membership.objects.filter(member=member)
        .select_related("community")
        .annotate(
            new_threads=Count(
                "community__threads", filter=Q(community__threads__created_at__gt=week_ago)
            )
        )
        .order_by("-community__last_activity_at")[:10]
    )
    return {"memberships": list(memberships)}


def profile_panel(member, viewer) -> dict | None:
    """The member's communities that the viewer may know them to be in (open ones, and those
    whose discussions the viewer reads)."""
    memberships = list(
        Membership.objects.visible_to(viewer)
        .filter(member=member)
        .select_related("community")
        .order_by("community__name")
    )
    founder_toggle = None
    if viewer.is_authenticated and viewer.pk != member.pk and is_coordinator(viewer):
        founder_toggle = member.groups.filter(name=FOUNDERS).exists()
    if not memberships and founder_toggle is None:
        return None
    return {"memberships": memberships, "member_id": member.pk, "founder_toggle": founder_toggle}


def export(member) -> dict:
    return {
        "memberships": [
            {
                "community": membership.community.name,
                "role": membership.get_role_display(),
                "emails": membership.get_digest_display(),
                "joined_at": membership.joined_at.isoformat(),
            }
            for membership in Membership.objects.filter(member=member).select_related("community")
        ],
        "join_requests": [
            {
                "community": join_request.community.name,
                "reason": join_request.reason,
                "status": join_request.get_status_display(),
                "created_at": join_request.created_at.isoformat(),
            }
            for join_request in JoinRequest.objects.filter(member=member).select_related(
                "community"
            )
        ],
        "posts": [
            {
                "community": post.thread.community.name,
                "thread": post.thread.title,
                "body": post.body,
                "created_at": post.created_at.isoformat(),
            }
            for post in member.posts.select_related("thread__community").order_by("created_at")
        ],
        "threads_followed_or_muted": [
            {
                "community": subscription.thread.community.name,
                "thread": subscription.thread.title,
                "choice": subscription.get_state_display(),
            }
            for subscription in ThreadSubscription.objects.filter(member=member).select_related(
                "thread__community"
            )
        ],
        "posts_reported": [
            {
                "thread": report.post.thread.title,
                "reason": report.reason,
                "reported_at": report.created_at.isoformat(),
            }
            for report in Report.objects.filter(reporter=member).select_related("post__thread")
        ],
        "invitations": [
            {
                "community": invitation.community.name,
                "sent_at": invitation.created_at.isoformat(),
                "accepted": invitation.accepted_at is not None,
            }
            for invitation in Invitation.objects.filter(email__iexact=member.email).select_related(
                "community"
            )
        ],
    }


def erase(member) -> None:
    """Memberships, requests, follows and reports go; posts stay, under "A former member"."""
    # A community whose only moderator leaves passes to its longest-standing member.
    for membership in Membership.objects.filter(member=member, role=Membership.Role.MODERATOR):
        others = Membership.objects.filter(community=membership.community).exclude(member=member)
        if not others.filter(role=Membership.Role.MODERATOR).exists():
            successor = others.order_by("joined_at", "pk").first()
            if successor:
                Membership.objects.filter(pk=successor.pk).update(role=Membership.Role.MODERATOR)
    _forget_mentions(member)
    Invitation.objects.filter(email__iexact=member.email).delete()
    Membership.objects.filter(member=member).delete()
    JoinRequest.objects.filter(member=member).delete()
    ThreadSubscription.objects.filter(member=member).delete()
    Report.objects.filter(reporter=member).delete()


def _forget_mentions(member) -> None:
    """Others' posts keep their words, but no mention names the former member any more, linked
    or not (a mention in a community they never joined is plain text with their address)."""
    slug = getattr(getattr(member, "profile", None), "slug", None)
    _mentions_rewrite(member, slug, "former-member", forget=True)


def renamed(member, old_slug: str) -> None:
    """After a rename, mentions use the new address and name: the old name stays nowhere."""
    _mentions_rewrite(member, old_slug, member.profile.slug)


def _mentions_rewrite(member, old_slug: str | None, new_slug: str, *, forget=False) -> None:
    posts = Post.objects.filter(mentions=member)
    if old_slug:
        posts = posts | Post.objects.filter(body__contains=f"@{old_slug}")
    touched = set()
    for post in posts.distinct().prefetch_related("mentions__profile"):
        if old_slug:
            post.body = mention_pattern(old_slug).sub(f"@{new_slug}", post.body)
        mentioned = [
            person for person in post.mentions.all() if not (forget and person.pk == member.pk)
        ]
        post.body_html = post_render(post.body, mentioned)
        post.save(update_fields=["body", "body_html"])
        if forget:
            post.mentions.remove(member)
        touched.add(post.thread_id)
    # Nor does searching for the old address find the thread.
    threads_index(Thread.objects.filter(pk__in=touched))
