"""The e-mails of members, built by the outbox when it sends them (base.outbox)."""

from collections.abc import Iterator

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from base import outbox
from base.links import absolute_reverse, absolute_url
from base.models import Email
from members.models import Notification, User


def notifications(emails: list[Email]) -> Iterator[tuple[Email, EmailMessage | None]]:
    """A notification as an e-mail, unless the member has turned e-mails off or left since."""
    told = Notification.objects.select_related("recipient__profile", "actor").in_bulk(
        [email.about_id for email in emails]
    )
    preferences_link = absolute_reverse("members:preferences")
    for email in emails:
        notification = told.get(email.about_id)
        member = notification.recipient if notification else None
        profile = getattr(member, "profile", None)
        if member is None or not member.is_active or not profile or not profile.email_notifications:
            yield email, None
            continue
        context = {
            "member": member,
            "notification": notification,
            "link": absolute_url(notification.url) if notification.url else "",
            "preferences_link": preferences_link,
            "site_name": settings.SITE_NAME,
        }
        yield (
            email,
            EmailMessage(
                subject=outbox.subject(notification.text[:120]),
                body=render_to_string("members/email/notification.txt", context),
            ),
        )


def organisation_account_connected(
    emails: list[Email],
) -> Iterator[tuple[Email, EmailMessage | None]]:
    """An organisation account was connected to the member's account: whatever their e-mail
    preferences, as a changed password would be."""
    members = User.objects.in_bulk({email.recipient_id for email in emails})
    preferences_link = absolute_reverse("members:preferences")
    for email in emails:
        member = members.get(email.recipient_id)
        if member is None or not member.is_active:
            yield email, None
            continue
        provider = email.context.get("provider") or "organisation"
        context = {
            "member": member,
            "provider": provider,
            "connected_at": email.created_at,
            "preferences_link": preferences_link,
            "site_name": settings.SITE_NAME,
        }
        yield (
            email,
            EmailMessage(
                subject=outbox.subject(f"Your {provider} account was connected to your account"),
                body=render_to_string("members/email/organisation_account_connected.txt", context),
            ),
        )


def erase(member: User) -> None:
    """A closed account: e-mails still owed to it are not sent, and the outbox forgets whom the
    others were for."""
    outbox.erase(recipient=member, address=member.email)
