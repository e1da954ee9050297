"""The eBulletin's e-mails, built by the outbox when it sends them (base.outbox): each member's
copy of a sent bulletin, and a curator's test copy."""

from collections.abc import Iterator

from django.core.mail import EmailMessage

from base import outbox
from base.models import Email
from bulletins.delivery import BULLETIN_EMAIL, TEST_COPY_EMAIL, finish_if_done
from bulletins.mail import BulletinMail, copy_for
from bulletins.models import Bulletin
from members.models import Profile


def copies(emails: list[Email]) -> Iterator[tuple[Email, EmailMessage | None]]:
    """Each member's copy, as the bulletin was frozen: each bulletin of the batch is read and
    rendered once, then personalised per member. None to a member who has unsubscribed or left
    since it was frozen."""
    bulletins = Bulletin.objects.in_bulk({email.about_id for email in emails})
    profiles = {
        profile.member_id: profile
        for profile in Profile.objects.filter(
            member_id__in={email.recipient_id for email in emails}
        ).only("member_id", "receives_bulletin", "bulletin_token")
    }
    mails: dict[int, BulletinMail] = {}
    for email in emails:
        bulletin = bulletins.get(email.about_id)
        member, profile = email.recipient, profiles.get(email.recipient_id)
        if bulletin is None or bulletin.frozen is None or not _still_wanted(member, profile):
            yield email, None
            continue
        if bulletin.pk not in mails:
            mails[bulletin.pk] = BulletinMail(bulletin, bulletin.frozen)
        yield email, mails[bulletin.pk].message(member, profile.bulletin_token)


def _still_wanted(member, profile) -> bool:
    return (
        member is not None
        and member.is_active
        and member.erased_at is None
        and profile is not None
        and profile.receives_bulletin
    )


def curator_copies(emails: list[Email]) -> Iterator[tuple[Email, EmailMessage | None]]:
    """A curator's test copy, as the bulletin stands when it is sent (a draft as it would go)."""
    bulletins = Bulletin.objects.in_bulk({email.about_id for email in emails})
    for email in emails:
        bulletin = bulletins.get(email.about_id)
        if bulletin is None or email.recipient is None:
            yield email, None
            continue
        yield email, copy_for(bulletin, email.recipient, test=True)


def batch_done(emails: list[Email]) -> None:
    """A batch of copies is done: its bulletin is sent if nothing of it waits any more."""
    for bulletin_id in {email.about_id for email in emails}:
        finish_if_done(bulletin_id)


def register() -> None:
    outbox.register(BULLETIN_EMAIL, copies, after=batch_done)
    outbox.register(TEST_COPY_EMAIL, curator_copies)
