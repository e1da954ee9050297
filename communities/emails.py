"""The e-mails of communities (digests of new posts, invitations), built by the outbox when it
sends them (base.outbox)."""

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from base import outbox
from base.links import absolute_reverse, absolute_url
from base.models import Email
from communities.models import Invitation, Membership
from communities.services import DIGEST_EMAIL, INVITATION_EMAIL, digest_posts

SUBJECTS = {
    Membership.Digest.EACH: "New in {community}",
    Membership.Digest.DAILY: "Today in {community}",
    Membership.Digest.WEEKLY: "This week in {community}",
}


def digests(emails: list[Email]) -> Iterator[tuple[Email, EmailMessage | None]]:
    """The posts of the window each e-mail claimed, as they stand now: none to a member who has
    left, turned the e-mails off, or can no longer see any of them."""
    memberships = Membership.objects.select_related("community", "member").in_bulk(
        [email.about_id for email in emails]
    )
    for email in emails:
        membership = memberships.get(email.about_id)
        if membership is None or membership.digest == Membership.Digest.NONE:
            yield email, None
            continue
        posts = list(
            digest_posts(
                membership,
                after=datetime.fromisoformat(email.context["after"]),
                until=datetime.fromisoformat(email.context["until"]),
            )
        )
        if not posts:
            yield email, None
            continue
        for post in posts:
            post.thread_link = absolute_url(post.thread.get_absolute_url())
        community = membership.community
        context = {
            "member": membership.member,
            "community": community,
            "posts": posts,
            "community_link": absolute_url(community.get_absolute_url()),
            "site_name": settings.SITE_NAME,
        }
        subject = SUBJECTS[email.context.get("digest", membership.digest)]
        yield (
            email,
            EmailMessage(
                subject=outbox.subject(subject.format(community=community.name)),
                body=render_to_string("communities/email/digest.txt", context),
            ),
        )


def invitations(emails: list[Email]) -> Iterator[tuple[Email, EmailMessage | None]]:
    """To the invited address, while the invitation can still be used."""
    found = Invitation.objects.select_related("community", "invited_by").in_bulk(
        [email.about_id for email in emails]
    )
    for email in emails:
        invitation = found.get(email.about_id)
        if invitation is None or not invitation.is_usable:
            yield email, None
            continue
        context = {
            "invitation": invitation,
            "link": absolute_reverse("communities:invitation", token=invitation.token),
            "site_name": settings.SITE_NAME,
        }
        yield (
            email,
            EmailMessage(
                subject=outbox.subject(f"You are invited to join {invitation.community.name}"),
                body=render_to_string("communities/email/invitation.txt", context),
            ),
        )


def register() -> None:
    outbox.register(DIGEST_EMAIL, digests)
    outbox.register(INVITATION_EMAIL, invitations)
