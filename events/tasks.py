import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from events.models import Registration
from events.services import calendar_for, offers_expire

logger = logging.getLogger(__name__)

# Which moment field claims each kind of e-mail, the statuses it goes to, and its subject.
EMAILS = {
    "confirmation": (
        "confirmation_sent_at",
        [Registration.Status.CONFIRMED],
        "Your place at {title}",
    ),
    "offer": ("offer_sent_at", [Registration.Status.OFFERED], "A place is free at {title}"),
    "day_reminder": ("day_reminder_sent_at", [Registration.Status.CONFIRMED], "Tomorrow: {title}"),
    "hour_reminder": (
        "hour_reminder_sent_at",
        [Registration.Status.CONFIRMED],
        "In an hour: {title}",
    ),
    "feedback": ("feedback_requested_at", [Registration.Status.CONFIRMED], "How was {title}?"),
}


def _send(self, registration_id: int, kind: str) -> str:
    field, statuses, subject = EMAILS[kind]
    now = timezone.now()
    # Claim before sending: a repeated task, or a second sweep, finds nothing left to send.
    claimed = Registration.objects.filter(
        pk=registration_id, status__in=statuses, **{f"{field}__isnull": True}
    ).update(**{field: now})
    if not claimed:
        return "already sent or not wanted"
    registration = Registration.objects.select_related("event", "member").get(pk=registration_id)
    event = registration.event
    if not _still_due(kind, event, now):
        return "no longer due"
    context = {
        "registration": registration,
        "event": event,
        "member": registration.member,
        "event_link": f"{settings.SITE_URL}{event.get_absolute_url()}",
        "claim_link": f"{settings.SITE_URL}/events/{event.slug}/claim/{registration.pk}/",
        "feedback_link": f"{settings.SITE_URL}/events/{event.slug}/feedback/",
        "site_name": settings.SITE_NAME,
    }
    message = EmailMessage(
        subject=f"[{settings.SITE_NAME}] " + subject.format(title=event.title),
        body=render_to_string(f"events/email/{kind}.txt", context),
        to=[registration.member.email],
    )
    if kind in {"confirmation", "offer"}:
        message.attach(f"{event.slug}.ics", calendar_for([event]), "text/calendar")
    try:
        message.send()
    except OSError as error:
        # The mail server could not be reached or did not take it (SMTP errors are OSErrors):
        # give the claim back so that the retry, or a later sweep, sends it.
        Registration.objects.filter(pk=registration_id, **{field: now}).update(**{field: None})
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
    except Exception:
        # The message cannot be built (a line break in its subject, an address that cannot be
        # written): every try would fail the same way. The claim stays, so nothing retries it.
        logger.exception("The %s e-mail of registration %s cannot be sent", kind, registration_id)
        return "failed"
    return "sent"


def _still_due(kind: str, event, now) -> bool:
    """A task that waited in the queue must not send 'Tomorrow' after the start."""
    if kind in {"day_reminder", "hour_reminder", "confirmation", "offer"}:
        return event.starts_at > now
    if kind == "feedback":
        return event.ends_at <= now
    return True


@shared_task(bind=True, max_retries=5)
def send_confirmation(self, registration_id: int) -> str:
    return _send(self, registration_id, "confirmation")


@shared_task(bind=True, max_retries=5)
def send_offer(self, registration_id: int) -> str:
    return _send(self, registration_id, "offer")


@shared_task(bind=True, max_retries=5)
def send_event_email(self, registration_id: int, kind: str) -> str:
    return _send(self, registration_id, kind)


@shared_task
def sweep_event_emails() -> dict:
    """Beat, every five minutes: reminders due, feedback requests, lost confirmations, offers
    that lapsed. Postgres says what is due; the claims make every e-mail go once."""
    now = timezone.now()
    confirmed = Registration.objects.filter(status=Registration.Status.CONFIRMED)
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
            offer_sent_at__isnull=True,
            offer_expires_at__gt=now,
        ),
    }
    counts = {}
    for kind, registrations in due.items():
        ids = list(registrations.values_list("pk", flat=True)[:1000])
        for registration_id in ids:
            send_event_email.delay(registration_id, kind)
        counts[kind] = len(ids)
    counts["offers_expired"] = offers_expire()
    return counts
