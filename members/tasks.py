import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from members.models import Notification

logger = logging.getLogger(__name__)
# A claim older than this belongs to a worker that died mid-send; the sweep may take it over.
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 5
LOST_RETRY = timedelta(minutes=45)


@shared_task(bind=True, max_retries=MAX_ATTEMPTS)
def send_notification_email(self, notification_id: int) -> str:
    """At least once: a worker that dies after sending and before marking it sent sends again."""
    now = timezone.now()
    # Claim the e-mail before sending: a repeated or parallel task finds nothing left to claim.
    claimed = Notification.objects.filter(
        Q(email_status=Notification.Email.PENDING)
        | Q(email_status=Notification.Email.SENDING, email_claimed_at__lt=now - STALE_CLAIM),
        pk=notification_id,
    ).update(email_status=Notification.Email.SENDING, email_claimed_at=now)
    if not claimed:
        return "already handled"
    notification = Notification.objects.select_related("recipient__profile", "actor").get(
        pk=notification_id
    )
    member = notification.recipient
    # The member may have turned e-mails off, or left, since the notification was made.
    profile = getattr(member, "profile", None)
    if not member.is_active or profile is None or not profile.email_notifications:
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.Email.SKIPPED
        )
        return "not wanted"
    context = {
        "member": member,
        "notification": notification,
        "link": f"{settings.SITE_URL}{notification.url}" if notification.url else "",
        "preferences_link": f"{settings.SITE_URL}/members/me/preferences/",
        "site_name": settings.SITE_NAME,
    }
    try:
        send_mail(
            subject=f"[{settings.SITE_NAME}] {notification.text[:120]}",
            message=render_to_string("members/email/notification.txt", context),
            from_email=None,
            recipient_list=[member.email],
        )
    except OSError as error:
        # The mail server could not be reached or did not take the message (SMTP errors are
        # OSErrors): a later try may get through.
        attempts = notification.email_attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.Email.FAILED if failed else Notification.Email.PENDING,
            email_attempts=attempts,
        )
        if failed:
            return "failed"
        raise self.retry(exc=error, countdown=60 * 2**attempts) from error
    except Exception:
        # The message cannot be built (a line break in its subject, an address that cannot be
        # written): every try would fail the same way, so it fails once.
        logger.exception("Notification %s cannot be e-mailed", notification_id)
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.Email.FAILED,
            email_attempts=notification.email_attempts + 1,
        )
        return "failed"
    Notification.objects.filter(pk=notification_id).update(email_status=Notification.Email.SENT)
    return "sent"


@shared_task
def sweep_notification_emails() -> int:
    """Beat: send what Postgres says is still to be sent (the queue may have lost it)."""
    now = timezone.now()
    waiting = Notification.objects.filter(
        # Never tried: its task was lost before it ran.
        Q(
            email_status=Notification.Email.PENDING,
            email_claimed_at__isnull=True,
            created_at__lt=now - timedelta(minutes=2),
        )
        # Tried and failed, and its retry (at most 32 minutes later) was lost too.
        | Q(email_status=Notification.Email.PENDING, email_claimed_at__lt=now - LOST_RETRY)
        # Claimed by a worker that died while sending.
        | Q(email_status=Notification.Email.SENDING, email_claimed_at__lt=now - STALE_CLAIM)
    ).values_list("pk", flat=True)[:500]
    for notification_id in waiting:
        send_notification_email.delay(notification_id)
    return len(waiting)


@shared_task
def clear_expired_sessions() -> int:
    """Beat, nightly: sessions past their expiry hold a member's id for nothing."""
    from members.models import MemberSession

    deleted, _ = MemberSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
