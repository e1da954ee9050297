import contextlib
import smtplib
import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from members.models import User
from members.services import profile_for
from resources import services
from resources.models import Bulletin, Delivery, Resource

MAX_ATTEMPTS = 5
# A batch queued this long ago and still pending was lost with its queue message.
LOST_BATCH = timedelta(minutes=15)


# The worker's own limits on reading one file, beyond the budget file_text_of keeps itself: the
# soft one ends the reading as over budget, the hard one stops the worker process if even that
# does not return.
EXTRACT_SOFT_SECONDS = 3 * services.FILE_TEXT_SECONDS
EXTRACT_HARD_SECONDS = EXTRACT_SOFT_SECONDS + 30


@shared_task(
    bind=True,
    max_retries=3,
    soft_time_limit=EXTRACT_SOFT_SECONDS,
    time_limit=EXTRACT_HARD_SECONDS,
)
def extract_resource_text(self, resource_id: int) -> str:
    """Read the words of an uploaded PDF or Word file into the library's search.

    Only a file that cannot be opened is tried again; every outcome of reading it (read, over
    budget, unreadable) is final and recorded on the resource.
    """
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None or not resource.file:
        return "no file"
    kind = resource.file.name.rsplit(".", 1)[-1].lower()
    try:
        with resource.file.open("rb") as stored:
            content = stored.read()
    except OSError as error:
        raise self.retry(exc=error, countdown=60) from error
    words = services.file_text_of(content, kind)
    # Only if the file is still the one read: an upload made meanwhile has its own task.
    updated = Resource.objects.filter(pk=resource_id, file=resource.file.name).update(
        file_text=words.text, file_text_outcome=words.outcome
    )
    if updated:
        resource.file_text = words.text
        services.resource_index(resource)
    return f"{words.outcome or 'not read'}: {len(words.text)} characters"


@shared_task
def fan_out_bulletin(bulletin_id: int) -> int:
    """Split the pending deliveries into batches, one task each. Skip-locked rows let two
    fan-outs at once divide the work rather than queue it twice."""
    batch_size = settings.BULLETIN_BATCH_SIZE
    with transaction.atomic():
        delivery_ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(bulletin_id=bulletin_id, status=Delivery.Status.PENDING, queued_at=None)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=delivery_ids).update(queued_at=timezone.now())
        for start in range(0, len(delivery_ids), batch_size):
            send_bulletin_batch.delay_on_commit(
                bulletin_id, delivery_ids[start : start + batch_size]
            )
    if not delivery_ids:
        services.bulletin_finish_if_done(bulletin_id)
    return len(delivery_ids)


@shared_task(bind=True, max_retries=MAX_ATTEMPTS)
def send_bulletin_batch(self, bulletin_id: int, delivery_ids: list[int]) -> str:
    """Send one batch over one SMTP connection.

    Each delivery is claimed before anything is sent, so a task delivered twice finds nothing
    left to claim. Before each message the batch renews its claim on that row and notes the
    hand-over; after it, marks the row sent. A batch that finds its claim gone (the sweep took
    it over from a batch it thought dead) stops at once.
    """
    claim = uuid.uuid4()
    claimed = Delivery.objects.filter(
        pk__in=delivery_ids, bulletin_id=bulletin_id, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.SENDING, claim=claim, claimed_at=timezone.now())
    if not claimed:
        services.bulletin_finish_if_done(bulletin_id)
        return "nothing to send"
    bulletin = Bulletin.objects.get(pk=bulletin_id)
    deliveries = list(
        Delivery.objects.filter(claim=claim)
        .select_related("member__profile")
        .order_by("pk")
        .only(
            "pk",
            "attempts",
            "member__name",
            "member__email",
            "member__is_active",
            "member__erased_at",
            "member__profile__receives_bulletin",
            "member__profile__bulletin_token",
        )
    )
    mail = services.BulletinMail(bulletin, bulletin.frozen)
    connection = get_connection()
    done = 0
    try:
        connection.open()
        for delivery in deliveries:
            profile = getattr(delivery.member, "profile", None)
            # They may have unsubscribed or left since the bulletin was frozen.
            if not _still_wanted(delivery.member, profile):
                _mark(delivery, claim, Delivery.Status.SKIPPED)
            else:
                if not _hand_over(delivery, claim):
                    return "claim taken over"
                try:
                    connection.send_messages(
                        [mail.message(delivery.member, profile.bulletin_token)]
                    )
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as refusal:
                    _mark(delivery, claim, Delivery.Status.FAILED, error=_describe(refusal))
                except (smtplib.SMTPException, OSError) as error:
                    # The server broke off during this message: it may have been delivered,
                    # and sending it again could be a second copy. Curators see it and decide.
                    _mark(delivery, claim, Delivery.Status.FAILED, error=_describe(error))
                    Delivery.objects.filter(pk=delivery.pk).update(in_doubt=True)
                    done += 1
                    raise
                except ValueError as error:
                    # The message cannot be built (a line break in a header, an address that
                    # cannot be written), so nothing reached the server, and no retry would
                    # mend it: it fails at once and the batch goes on.
                    _mark(delivery, claim, Delivery.Status.FAILED, error=_describe(error))
                else:
                    _mark(delivery, claim, Delivery.Status.SENT)
            done += 1
    except (smtplib.SMTPException, OSError) as error:
        # Nothing after the broken message was handed over: this task's retry takes it up.
        _release(deliveries[done:], claim, error)
        if self.request.retries >= MAX_ATTEMPTS:
            return "failed"
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    services.bulletin_finish_if_done(bulletin_id)
    return f"{len(deliveries)} handled"


def _still_wanted(member: User, profile) -> bool:
    return (
        member.is_active
        and member.erased_at is None
        and profile is not None
        and profile.receives_bulletin
    )


def _hand_over(delivery: Delivery, claim) -> bool:
    """Renew the claim (a sign of life for the sweep) and note the hand-over; False if the
    claim is no longer this batch's."""
    now = timezone.now()
    return bool(
        Delivery.objects.filter(pk=delivery.pk, claim=claim, status=Delivery.Status.SENDING).update(
            claimed_at=now, handed_over_at=now
        )
    )


def _mark(delivery: Delivery, claim, status: str, *, error: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
        status=status,
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
        error=error,
        attempts=delivery.attempts + 1,
    )


def _release(deliveries: list[Delivery], claim, error: Exception) -> None:
    for delivery in deliveries:
        attempts = delivery.attempts + 1
        Delivery.objects.filter(pk=delivery.pk, claim=claim, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED if attempts >= MAX_ATTEMPTS else Delivery.Status.PENDING,
            attempts=attempts,
            claim=None,
            claimed_at=None,
            handed_over_at=None,
            error=_describe(error),
        )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


@shared_task
def send_bulletin_test(bulletin_id: int, member_id: int) -> str:
    """A curator's test copy, as the bulletin stands now; no delivery is recorded."""
    bulletin = Bulletin.objects.filter(pk=bulletin_id).first()
    member = User.objects.filter(pk=member_id).first()
    if bulletin is None or member is None:
        return "gone"
    frozen = bulletin.frozen or services.bulletin_snapshot(bulletin)
    mail = services.BulletinMail(bulletin, frozen, test=True)
    mail.message(member, profile_for(member).bulletin_token).send()
    return "sent"


@shared_task
def sweep_bulletins() -> dict:
    """Beat, every minute: send what is due, and finish what the queue or a worker dropped."""
    now = timezone.now()
    due = Bulletin.objects.filter(status=Bulletin.Status.SCHEDULED, scheduled_for__lte=now)
    started = 0
    for bulletin in due:
        try:
            services.bulletin_send(bulletin=bulletin)
            started += 1
        except services.BulletinError as error:
            services.bulletin_schedule_failed(bulletin=bulletin, reason=str(error))
    resumed = 0
    for bulletin_id in Bulletin.objects.filter(status=Bulletin.Status.SENDING).values_list(
        "pk", flat=True
    ):
        services.stale_claims_release(bulletin_id)
        # Batches whose queue message was lost: queue them again, but only when nothing has
        # moved for a while (a long send still working through its queue is not lost).
        moving = Delivery.objects.filter(
            bulletin_id=bulletin_id, claimed_at__gte=now - LOST_BATCH
        ).exists()
        if not moving:
            Delivery.objects.filter(
                bulletin_id=bulletin_id,
                status=Delivery.Status.PENDING,
                queued_at__lt=now - LOST_BATCH,
            ).update(queued_at=None)
        resumed += fan_out_bulletin(bulletin_id)
    return {"started": started, "resumed": resumed}
