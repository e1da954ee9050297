from celery import shared_task

from base import outbox


@shared_task(bind=True, max_retries=outbox.MAX_ATTEMPTS + 1)
def send_emails(self, email_ids: list[int]) -> str:
    """Send a batch of the outbox's e-mails over one SMTP connection (base.outbox.send)."""
    batch = outbox.send(email_ids)
    # The mail server could not be reached: the e-mails wait in Postgres until they are due
    # again; this retry sends them then (and the sweep, if the retry is lost).
    if batch.retry_in is not None and self.request.retries < self.max_retries:
        raise self.retry(countdown=batch.retry_in + 1)
    return str(batch)


@shared_task
def sweep_outbox() -> dict[str, int]:
    """Beat, every minute: dead workers' claims taken over, lost e-mails queued again."""
    return outbox.sweep()
