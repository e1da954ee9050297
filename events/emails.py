"""The e-mails about places at events: put in the outbox when due, built when sent."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.mime.image import MIMEImage
from email.mime.text import MIMEText
from io import BytesIO

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from base import outbox
from base.links import absolute_reverse, absolute_url
from base.models import Email
from events.models import Registration
from events.services import EMAIL_MOMENTS, calendar_for, check_in_qr, full_location

CONFIRMED = [Registration.Status.CONFIRMED]
TOLD_OF_CANCELLATION = [
    Registration.Status.CONFIRMED,
    Registration.Status.OFFERED,
    Registration.Status.WAITING,
]
# The places each kind of e-mail goes to, and its subject.
EMAILS = {
    "confirmation": (CONFIRMED, "Your place at {title}"),
    "offer": ([Registration.Status.OFFERED], "A place is free at {title}"),
    "day_reminder": (CONFIRMED, "Tomorrow: {title}"),
    "hour_reminder": (CONFIRMED, "In an hour: {title}"),
    "feedback": (CONFIRMED, "How was {title}?"),
    "update": (CONFIRMED, "Changed: {title}"),
    "place_cancelled": (
        [Registration.Status.CANCELLED],
        "You have cancelled your place at {title}",
    ),
    "event_cancelled": (TOLD_OF_CANCELLATION, "Cancelled: {title}"),
}
# The e-mails that carry the event as a calendar, and its METHOD (RFC 5546): an invitation the
# member's mail program offers to add, an update to it, or its removal. An offer is not yet a
# place: the event is only published to them.
WITH_CALENDAR = {
    "confirmation": "REQUEST",
    "update": "REQUEST",
    "offer": "PUBLISH",
    "place_cancelled": "CANCEL",
    "event_cancelled": "CANCEL",
}
# At most this many of each kind go into the outbox per sweep; the next sweep takes the rest.
SWEEP_LIMIT = 1000


def builder(kind: str) -> Callable[[list[Email]], Iterator[tuple[Email, EmailMessage | None]]]:
    """The outbox's renderer for one kind: the registrations of a batch read at once, and each
    event's calendar file made once."""
    _, subject = EMAILS[kind]

    def build(emails: list[Email]) -> Iterator[tuple[Email, EmailMessage | None]]:
        now = timezone.now()
        found = Registration.objects.select_related("event", "member").in_bulk(
            [email.about_id for email in emails]
        )
        for email in emails:
            registration = found.get(email.about_id)
            if registration is None or not _still_wanted(kind, registration, email, now):
                yield email, None
                continue
            event = registration.event
            # The confirmation carries the place's QR code, shown at the door.
            qr = check_in_qr(registration) if kind == "confirmation" else None
            context = {
                "check_in_code": qr is not None,
                "registration": registration,
                "event": event,
                "member": registration.member,
                "event_link": absolute_url(event.get_absolute_url()),
                "where": full_location(event),
                # Only a confirmed place is let in.
                "joining_link": event.joining_link
                if registration.status == Registration.Status.CONFIRMED and not event.is_cancelled
                else "",
                "claim_link": absolute_reverse(
                    "events:claim", slug=event.slug, registration_id=registration.pk
                ),
                "feedback_link": absolute_reverse("events:feedback", slug=event.slug),
                "site_name": settings.SITE_NAME,
            }
            message = EmailMessage(
                subject=outbox.subject(subject.format(title=event.title)),
                body=render_to_string(f"events/email/{kind}.txt", context),
            )
            if kind in WITH_CALENDAR:
                message.attach(_calendar_part(registration, WITH_CALENDAR[kind]))
            if qr is not None:
                message.attach(_qr_part(qr))
            yield email, message

    return build


def _calendar_part(registration: Registration, method: str) -> MIMEText:
    """The member's own copy of the event, as the text/calendar part RFC 6047 describes: the
    METHOD in the part's content type as well as in the file."""
    calendar = calendar_for(
        [registration.event], places={registration.event_id: registration}, method=method
    )
    part = MIMEText(calendar.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=f"{registration.event.slug}.ics")
    return part


QR_FILENAME = "check-in-code.png"


def _qr_part(qr) -> MIMEImage:
    """The QR code as a picture shown with the message (a mail program that keeps pictures
    apart shows it as an attachment)."""
    png = BytesIO()
    qr.save(png, kind="png", scale=8, border=4)
    part = MIMEImage(png.getvalue(), "png")
    part.add_header("Content-ID", "<check-in-code>")
    part.add_header("Content-Disposition", "inline", filename=QR_FILENAME)
    return part


def _still_wanted(kind: str, registration: Registration, email: Email, now: datetime) -> bool:
    """Still the place it was about, and still in time: an e-mail that waited in the queue must
    not send "Tomorrow" after the start, nor a reminder of a time the event no longer has."""
    statuses, _ = EMAILS[kind]
    if registration.status not in statuses:
        return False
    asked = email.context.get("at")
    if asked and getattr(registration, EMAIL_MOMENTS[kind]) != datetime.fromisoformat(asked):
        return False
    if kind == "event_cancelled":
        return registration.event.is_cancelled and registration.event.starts_at > now
    # Nothing more about an event that will not happen: no reminder, offer or request.
    if registration.event.is_cancelled:
        return False
    if kind == "feedback":
        return registration.event.ends_at <= now
    return registration.event.starts_at > now


def register() -> None:
    for kind in EMAILS:
        outbox.register(f"events.{kind}", builder(kind))


def queue_due() -> dict[str, int]:
    """Reminders and feedback requests that have come due go into the outbox, each claimed by
    its moment on the registration in the same transaction, so a second sweep finds it taken.
    Confirmations and offers are queued by the change that makes them; those from before the
    outbox are found here too."""
    now = timezone.now()
    # A cancelled event is passed over by every sweep.
    confirmed = Registration.objects.filter(
        status=Registration.Status.CONFIRMED, event__cancelled_at__isnull=True
    )
    due = {
        "day_reminder": confirmed.filter(
            day_reminder_sent_at__isnull=True,
            event__starts_at__gt=now + timedelta(hours=1),
            event__starts_at__lte=now + timedelta(hours=24),
            # Confirmed within the day: the confirmation has just told them.
            confirmed_at__lt=F("event__starts_at") - timedelta(hours=24),
        ),
        "hour_reminder": confirmed.filter(
            hour_reminder_sent_at__isnull=True,
            event__starts_at__gt=now,
            event__starts_at__lte=now + timedelta(hours=1),
        ),
        "feedback": confirmed.filter(
            feedback_requested_at__isnull=True,
            event__ends_at__lte=now,
            event__ends_at__gt=now - timedelta(days=7),
        ),
        "confirmation": confirmed.filter(
            confirmation_sent_at__isnull=True,
            confirmed_at__lt=now - timedelta(minutes=2),
            event__starts_at__gt=now,
        ),
        "offer": Registration.objects.filter(
            status=Registration.Status.OFFERED,
            event__cancelled_at__isnull=True,
            offer_sent_at__isnull=True,
            offer_expires_at__gt=now,
        ),
    }
    counts = {}
    for kind, registrations in due.items():
        with transaction.atomic():
            # Rows a member is changing right now are left to the next sweep.
            found = list(
                registrations.select_for_update(of=("self",), skip_locked=True)
                .order_by("pk")
                .values_list("pk", "member_id")[:SWEEP_LIMIT]
            )
            Registration.objects.filter(pk__in=[pk for pk, _ in found]).update(
                **{EMAIL_MOMENTS[kind]: now}
            )
            outbox.enqueue_many(
                f"events.{kind}",
                (
                    {"about_id": pk, "recipient_id": member_id, "context": {"at": now.isoformat()}}
                    for pk, member_id in found
                ),
            )
        counts[kind] = len(found)
    return counts
