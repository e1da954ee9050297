"""Rules of the eBulletin: who sees which, composing and scheduling, sending, unsubscribing.

What a bulletin carries is bulletins.snapshot; how it reaches every member, bulletins.delivery
(through the outbox, base.outbox).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from base import outbox
from base.errors import NotFound
from bulletins import delivery
from bulletins.delivery import BulletinError
from bulletins.models import Bulletin
from communities.models import Community
from events.models import Event
from members.models import Profile
from members.roles import ANY_MEMBER, is_curator
from resources.models import Resource

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def can_curate(viewer) -> bool:
    return is_curator(viewer)


def bulletin_for(viewer, slug: str) -> Bulletin:
    """The bulletin, or NotFound for anyone who may not see it (Bulletin.objects.visible_to)."""
    bulletin = Bulletin.objects.visible_to(viewer).filter(slug=slug).first()
    if bulletin is None:
        raise NotFound("No such bulletin")
    return bulletin


# --- composing ------------------------------------------------------------------------------


def section_choices() -> dict[str, QuerySet]:
    """What a curator may pick for a section: only what every recipient may see. Bulletins go
    to every subscribed member, so a pick must be visible to any member (ANY_MEMBER): never a
    secret community's event or name, whoever the curator is."""
    return {
        "resources": Resource.objects.visible_to(ANY_MEMBER)
        .listed()
        .order_by("-featured", "-published_on", "title"),
        "events": Event.objects.visible_to(ANY_MEMBER)
        .filter(starts_at__gt=timezone.now())
        .order_by("starts_at"),
        "communities": Community.objects.visible_to(ANY_MEMBER).order_by("name"),
    }


def next_section_position(bulletin: Bulletin) -> int:
    last = bulletin.sections.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


# --- scheduling and sending -----------------------------------------------------------------


@transaction.atomic
def bulletin_schedule(*, bulletin: Bulletin, when: datetime, audience: str) -> None:
    """Schedule the bulletin for the audience the curator confirmed (its fingerprint): it goes
    to that audience at its time, or not at all (delivery.start)."""
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not bulletin.is_editable:
        raise BulletinError("This bulletin has already been sent.")
    if when <= timezone.now():
        raise BulletinError("Choose a time in the future.")
    delivery.check_audience(bulletin, confirmed=audience)
    delivery.check_not_empty(bulletin)
    bulletin.status = Bulletin.Status.SCHEDULED
    bulletin.scheduled_for = when
    bulletin.confirmed_audience = audience
    bulletin.save(update_fields=["status", "scheduled_for", "confirmed_audience"])


@transaction.atomic
def bulletin_unschedule(*, bulletin: Bulletin) -> None:
    updated = Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.SCHEDULED).update(
        status=Bulletin.Status.DRAFT, scheduled_for=None
    )
    if not updated:
        raise BulletinError("This bulletin is not scheduled.")


@transaction.atomic
def bulletin_send(*, bulletin: Bulletin, audience: str | None = None) -> int:
    """Freeze the bulletin and put the copy of each member of the audience the curator
    confirmed (its fingerprint; None, for the operators' tools: as it stands) in the outbox;
    the workers send them once this commits. Answers how many members it goes to."""
    return delivery.start(bulletin=bulletin, audience=audience)


@transaction.atomic
def bulletin_test_send(*, bulletin: Bulletin, curator) -> None:
    """A test copy to the curator, as the bulletin stands when it is sent; it counts for no
    member."""
    outbox.enqueue(delivery.TEST_COPY_EMAIL, about_id=bulletin.pk, recipient=curator)


def bulletin_retry_failed(*, bulletin: Bulletin, in_doubt: bool = False) -> int:
    """Curators send the failed copies again (those in doubt only when they ask); answers how
    many."""
    return delivery.retry_failed(bulletin=bulletin, in_doubt=in_doubt)


# --- subscriptions --------------------------------------------------------------------------


def subscription_for_token(token: str) -> Profile | None:
    # Anything but a token's own characters (a NUL byte, say) is simply not a token.
    if not TOKEN.fullmatch(token or ""):
        return None
    return Profile.objects.select_related("member").filter(bulletin_token=token).first()


def bulletin_unsubscribe(*, profile: Profile) -> None:
    Profile.objects.filter(pk=profile.pk).update(receives_bulletin=False)
