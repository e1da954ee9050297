"""Sending the eBulletin: every change of a delivery's state, and of a bulletin's while it goes.

Each member's copy is a delivery row, so Postgres, not the queue, knows who still needs it:

- start: the bulletin is frozen and every subscriber gets a pending delivery;
- fan_out: the pending rows are queued in batches (skip-locked, so two fan-outs share the work);
- send_batch: a batch claims its rows with one conditional update (a batch delivered twice finds
  nothing to claim), renews its claim and notes the hand-over before each message, marks each
  row after it, and gives back what it did not reach when the mail server breaks off;
- finish_if_done: the bulletin is sent once nothing waits or is in flight;
- sweep (beat): scheduled bulletins that are due start, a dead worker's claim is taken back
  (what it had handed over is "in doubt", never sent twice), batches the queue lost are queued
  again, and every bulletin still going is fanned out;
- retry_failed: curators try failed deliveries again, those in doubt only when they ask.

The tasks (bulletins.tasks) only call these, handing in how to queue a batch.
"""

import contextlib
import smtplib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from bulletins.mail import BulletinMail
from bulletins.models import Bulletin, Delivery
from bulletins.snapshot import bulletin_snapshot
from members.models import User
from members.services import member_profiles, notify

MAX_ATTEMPTS = 5
# A batch queued this long ago and still pending was lost with its queue message.
LOST_BATCH = timedelta(minutes=15)
# The mail server broke off, or could not be reached: the batch stops, to be tried again.
CONNECTION_ERRORS = (smtplib.SMTPException, OSError)

# How a batch of deliveries is put on the queue: bulletins.tasks hands in its batch task.
QueueBatch = Callable[[int, list[int]], object]


class BulletinError(Exception):
    """A bulletin cannot do what was asked in its present state; the message says why."""


def subscribers() -> QuerySet[User]:
    """Members who want the bulletin: confirmed, active, subscribed."""
    return User.objects.filter(
        pk__in=member_profiles().filter(receives_bulletin=True).values("member_id")
    )


def check_not_empty(bulletin: Bulletin) -> None:
    if not bulletin.sections.exists() and not bulletin.introduction.strip():
        raise BulletinError("The bulletin is empty: add an introduction or a section first.")


# --- starting and finishing -----------------------------------------------------------------


@transaction.atomic
def start(*, bulletin: Bulletin) -> int:
    """Freeze the bulletin and make a delivery for every subscriber; answers how many.

    The row lock makes a double click, or the scheduler and a curator at the same moment, send
    it once. Queuing the work is the caller's: bulletins.services.bulletin_send, or the sweep.
    """
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not bulletin.is_editable:
        raise BulletinError("This bulletin has already been sent.")
    check_not_empty(bulletin)
    bulletin.frozen = bulletin_snapshot(bulletin)
    bulletin.status = Bulletin.Status.SENDING
    bulletin.sent_at = timezone.now()
    bulletin.save(update_fields=["frozen", "status", "sent_at"])
    recipients = subscribers().values_list("pk", flat=True).order_by("pk")
    Delivery.objects.bulk_create(
        (Delivery(bulletin=bulletin, member_id=member_id) for member_id in recipients.iterator()),
        batch_size=5000,
        ignore_conflicts=True,
    )
    return Delivery.objects.filter(bulletin=bulletin).count()


def finish_if_done(bulletin_id: int) -> bool:
    """Mark the bulletin sent once no delivery is waiting or in flight."""
    unfinished = Delivery.objects.filter(
        bulletin_id=bulletin_id, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    )
    return bool(
        Bulletin.objects.filter(pk=bulletin_id, status=Bulletin.Status.SENDING)
        .exclude(pk__in=unfinished.values("bulletin_id"))
        .update(status=Bulletin.Status.SENT, finished_at=timezone.now())
    )


def progress(bulletin: Bulletin) -> dict:
    """What the curators' progress panel shows: how many sent, waiting, failed, in doubt."""
    counts = Delivery.objects.filter(bulletin=bulletin).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Delivery.Status.values},
        in_doubt=Count("pk", filter=Q(in_doubt=True, status=Delivery.Status.FAILED)),
    )
    total = sum(counts[status] for status in Delivery.Status.values)
    pending = counts[Delivery.Status.PENDING] + counts[Delivery.Status.SENDING]
    return {
        "total": total,
        "sent": counts[Delivery.Status.SENT],
        "failed": counts[Delivery.Status.FAILED] - counts["in_doubt"],
        "in_doubt": counts["in_doubt"],
        "skipped": counts[Delivery.Status.SKIPPED],
        "pending": pending,
        "percent": round(100 * (total - pending) / total) if total else 100,
    }


@transaction.atomic
def retry_failed(*, bulletin: Bulletin, in_doubt: bool = False) -> int:
    """Failed deliveries wait again; answers how many. Queuing them is the caller's.

    Those in doubt (interrupted mid-send: they may have arrived) are retried only when asked,
    since their member may get a second copy.
    """
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.frozen is None:
        raise BulletinError("This bulletin has not been sent.")
    retried = Delivery.objects.filter(
        bulletin=bulletin, status=Delivery.Status.FAILED, in_doubt=in_doubt
    ).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        error="",
        in_doubt=False,
        claim=None,
        claimed_at=None,
        handed_over_at=None,
        queued_at=None,
    )
    if retried:
        Bulletin.objects.filter(pk=bulletin.pk).update(
            status=Bulletin.Status.SENDING, finished_at=None
        )
    return retried


# --- the queue ------------------------------------------------------------------------------


def fan_out(bulletin_id: int, *, queue_batch: QueueBatch) -> int:
    """Split the pending deliveries into batches, each queued after commit. Skip-locked rows
    let two fan-outs at once divide the work rather than queue it twice."""
    batch_size = settings.BULLETIN_BATCH_SIZE
    with transaction.atomic():
        delivery_ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(bulletin_id=bulletin_id, status=Delivery.Status.PENDING, queued_at=None)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=delivery_ids).update(queued_at=timezone.now())
        for first in range(0, len(delivery_ids), batch_size):
            queue_batch(bulletin_id, delivery_ids[first : first + batch_size])
    if not delivery_ids:
        finish_if_done(bulletin_id)
    return len(delivery_ids)


def sweep(*, queue_batch: QueueBatch) -> dict:
    """Send what is due, and finish what the queue or a worker dropped."""
    now = timezone.now()
    started = 0
    due = Bulletin.objects.filter(status=Bulletin.Status.SCHEDULED, scheduled_for__lte=now)
    for bulletin in due:
        try:
            start(bulletin=bulletin)  # fanned out below, with every bulletin still going
            started += 1
        except BulletinError as error:
            _not_sent_at_its_time(bulletin, reason=str(error))
    resumed = 0
    for bulletin_id in Bulletin.objects.filter(status=Bulletin.Status.SENDING).values_list(
        "pk", flat=True
    ):
        stale_claims_release(bulletin_id)
        _lost_batches_requeue(bulletin_id, now=now)
        resumed += fan_out(bulletin_id, queue_batch=queue_batch)
    return {"started": started, "resumed": resumed}


def _not_sent_at_its_time(bulletin: Bulletin, *, reason: str) -> None:
    """A scheduled bulletin that cannot go (emptied since): back to draft, its curator told."""
    updated = Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.SCHEDULED).update(
        status=Bulletin.Status.DRAFT, scheduled_for=None
    )
    if updated and bulletin.created_by_id:
        notify(
            member=bulletin.created_by,
            kind="bulletin_not_sent",
            message=f"“{bulletin.title}” was not sent at its time: {reason}",
            url=bulletin.get_absolute_url(),
        )


def _lost_batches_requeue(bulletin_id: int, *, now: datetime) -> None:
    """Batches whose queue message was lost are queued again, but only when nothing has moved
    for a while (a long send still working through its queue is not lost)."""
    moving = Delivery.objects.filter(
        bulletin_id=bulletin_id, claimed_at__gte=now - LOST_BATCH
    ).exists()
    if not moving:
        Delivery.objects.filter(
            bulletin_id=bulletin_id,
            status=Delivery.Status.PENDING,
            queued_at__lt=now - LOST_BATCH,
        ).update(queued_at=None)


def stale_claims_release(bulletin_id: int) -> int:
    """Take back what a dead worker had claimed; answers how many deliveries wait again.

    A batch renews its claim before each message, so a claim with no sign of life for
    BULLETIN_CLAIM_TIMEOUT is dead. Of its rows, one that was handed to the SMTP server but not
    marked may have arrived: it is marked failed and in doubt, for a curator to decide, rather
    than risk a second copy. The rest were certainly not sent and wait for the next batch.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.BULLETIN_CLAIM_TIMEOUT)
    dead_claims = (
        Delivery.objects.filter(bulletin_id=bulletin_id, status=Delivery.Status.SENDING)
        .values("claim")
        .annotate(last_sign=Max("claimed_at"))
        .filter(last_sign__lt=cutoff)
        .values_list("claim", flat=True)
    )
    released = 0
    for claim in list(dead_claims):
        with transaction.atomic():
            claimed = Delivery.objects.select_for_update().filter(
                bulletin_id=bulletin_id, claim=claim, status=Delivery.Status.SENDING
            )
            claimed.filter(handed_over_at__isnull=False).update(
                status=Delivery.Status.FAILED,
                in_doubt=True,
                error="Interrupted while sending: it may have arrived.",
            )
            released += claimed.filter(handed_over_at__isnull=True).update(
                status=Delivery.Status.PENDING, claim=None, claimed_at=None, queued_at=None
            )
    return released


# --- one batch ------------------------------------------------------------------------------


def send_batch(bulletin_id: int, delivery_ids: list[int]) -> str:
    """Send one batch over one SMTP connection; answers what became of it.

    Each delivery is claimed before anything is sent, so a batch delivered twice finds nothing
    left to claim. Before each message the batch renews its claim on that row and notes the
    hand-over; after it, marks the row sent. A batch that finds its claim gone (the sweep took
    it over from a batch it thought dead) stops at once. When the mail server breaks off, the
    rows not reached wait again and the error (one of CONNECTION_ERRORS) is raised for the task
    to retry the batch.
    """
    claim = uuid.uuid4()
    claimed = Delivery.objects.filter(
        pk__in=delivery_ids, bulletin_id=bulletin_id, status=Delivery.Status.PENDING
    ).update(status=Delivery.Status.SENDING, claim=claim, claimed_at=timezone.now())
    if not claimed:
        finish_if_done(bulletin_id)
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
    mail = BulletinMail(bulletin, bulletin.frozen)
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
                except CONNECTION_ERRORS as error:
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
    except CONNECTION_ERRORS as error:
        # Nothing after the broken message was handed over: the batch's retry takes it up.
        _release(deliveries[done:], claim, error)
        raise
    finally:
        with contextlib.suppress(*CONNECTION_ERRORS):
            connection.close()
    finish_if_done(bulletin_id)
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
