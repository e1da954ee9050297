"""The eBulletin's work in the queue. Its e-mails are sent by the outbox's tasks (base.tasks)."""

from celery import shared_task

from bulletins import delivery


@shared_task
def sweep_bulletins() -> dict:
    """Beat, every minute: send what is due, and mark sent the bulletins whose copies are done."""
    return delivery.sweep()
