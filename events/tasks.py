from celery import shared_task

from events import emails
from events.services import offers_expire


@shared_task
def sweep_event_emails() -> dict:
    """Beat, every five minutes: reminders and feedback requests that have come due go into the
    outbox (base.outbox sends them), and offers not claimed in time pass on."""
    counts = emails.queue_due()
    counts["offers_expired"] = offers_expire()
    return counts
