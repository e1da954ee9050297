"""The worker's part of the outbox, here in the test."""

from base import outbox
from base.models import Email


def send_queued(**which) -> outbox.Batch:
    """Send the queued e-mails that are due (those of a kind, say), as a worker would."""
    queued = Email.objects.filter(status=Email.Status.QUEUED, **which)
    return outbox.send(list(queued.values_list("pk", flat=True)))


def emails_about(kind: str, about_id: int) -> list[Email]:
    return list(Email.objects.filter(kind=kind, about_id=about_id).order_by("pk"))
