"""The eBulletin's work in the queue; what each does to the deliveries is bulletins.delivery."""

from celery import shared_task

from bulletins import delivery
from bulletins.mail import copy_for
from bulletins.models import Bulletin
from members.models import User


@shared_task
def fan_out_bulletin(bulletin_id: int) -> int:
    """Queue the bulletin's pending deliveries in batches."""
    return delivery.fan_out(bulletin_id, queue_batch=send_bulletin_batch.delay_on_commit)


@shared_task(bind=True, max_retries=delivery.MAX_ATTEMPTS)
def send_bulletin_batch(self, bulletin_id: int, delivery_ids: list[int]) -> str:
    """Send one batch over one SMTP connection; tried again, with backoff, when the mail
    server breaks off (the rows it did not reach wait for that retry)."""
    try:
        return delivery.send_batch(bulletin_id, delivery_ids)
    except delivery.CONNECTION_ERRORS as error:
        if self.request.retries >= delivery.MAX_ATTEMPTS:
            return "failed"
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error


@shared_task
def send_bulletin_test(bulletin_id: int, member_id: int) -> str:
    """A curator's test copy, as the bulletin stands now; no delivery is recorded."""
    bulletin = Bulletin.objects.filter(pk=bulletin_id).first()
    member = User.objects.filter(pk=member_id).first()
    if bulletin is None or member is None:
        return "gone"
    copy_for(bulletin, member, test=True).send()
    return "sent"


@shared_task
def sweep_bulletins() -> dict:
    """Beat, every minute: send what is due, and finish what the queue or a worker dropped."""
    return delivery.sweep(queue_batch=send_bulletin_batch.delay_on_commit)
