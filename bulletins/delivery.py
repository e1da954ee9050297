"""Sending the eBulletin: what is the bulletin's own while it goes out through the outbox.

Each member's copy is an e-mail in the outbox (base.outbox, kind BULLETIN_EMAIL, about_id the
bulletin), which claims, sends, retries and takes over dead workers' claims for every e-mail of
the site alike. What is left here:

- start: the bulletin is frozen and, in the same transaction, the e-mail of each member of its
  audience (bulletins.audiences) is written to the outbox, in batches of BULLETIN_BATCH_SIZE;
- finish_if_done: the bulletin is sent once none of its e-mails waits or is in flight (after
  each batch, and by the sweep);
- progress: the curators' figures, read from the outbox;
- retry_failed: curators send the failed e-mails again, those in doubt only when they ask;
- sweep (beat): scheduled bulletins that are due start, and those done are marked sent.

The e-mails themselves are built by bulletins.emails.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from base import outbox
from base.models import Email
from bulletins.audiences import audience_members, fingerprint, to_everyone
from bulletins.models import BULLETIN_EMAIL, Bulletin
from bulletins.snapshot import bulletin_snapshot
from members.services import notify

# The outbox's kinds: a member's copy of a sent bulletin (BULLETIN_EMAIL, from the models: it
# says who may read an audience's bulletin), and a curator's test copy.
TEST_COPY_EMAIL = "bulletins.test_copy"
WAITING = [Email.Status.QUEUED, Email.Status.SENDING]


class BulletinError(Exception):
    """A bulletin cannot do what was asked in its present state; the message says why."""


class AudienceChanged(BulletinError):
    """Who the bulletin goes to is no longer the audience the curator confirmed."""

    def __init__(self, message="Who it goes to changed since you were asked: check it again."):
        super().__init__(message)


def check_audience(bulletin: Bulletin, *, confirmed: str) -> None:
    if fingerprint(bulletin) != confirmed:
        raise AudienceChanged


def check_not_empty(bulletin: Bulletin) -> None:
    if not bulletin.sections.exists() and not bulletin.introduction.strip():
        raise BulletinError("The bulletin is empty: add an introduction or a section first.")


def copies_of(bulletin_id: int | OuterRef) -> QuerySet[Email]:
    """The members' copies of one bulletin in the outbox."""
    return Email.objects.filter(kind=BULLETIN_EMAIL, about_id=bulletin_id)


# --- starting and finishing -----------------------------------------------------------------


@transaction.atomic
def start(*, bulletin: Bulletin, audience: str | None = None) -> int:
    """Freeze the bulletin and put a copy for each member of its audience in the outbox
    (bulletins.audiences); answers how many.

    It goes only to the audience a curator confirmed (bulletins.audiences.fingerprint): the one
    asked about just now (audience), or, once scheduled, the one confirmed then.
    The row lock makes a double click, or the scheduler and a curator at the same moment, send
    it once. The outbox queues the send tasks once this commits.
    """
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if not bulletin.is_editable:
        raise BulletinError("This bulletin has already been sent.")
    if bulletin.status == Bulletin.Status.SCHEDULED:
        try:
            check_audience(bulletin, confirmed=bulletin.confirmed_audience)
        except AudienceChanged:
            raise AudienceChanged(
                "who it goes to changed since it was scheduled (a community or topic it was "
                "for may have been deleted): check who it goes to and send it again."
            ) from None
    if audience is not None:
        check_audience(bulletin, confirmed=audience)
    check_not_empty(bulletin)
    bulletin.frozen = bulletin_snapshot(bulletin)
    bulletin.status = Bulletin.Status.SENDING
    bulletin.sent_at = timezone.now()
    bulletin.sent_to_everyone = to_everyone(bulletin)
    bulletin.save(update_fields=["frozen", "status", "sent_at", "sent_to_everyone"])
    recipients = audience_members(bulletin=bulletin).values_list("pk", flat=True).order_by("pk")
    count = len(
        outbox.enqueue_many(
            BULLETIN_EMAIL,
            (
                {"about_id": bulletin.pk, "recipient_id": member_id}
                for member_id in recipients.iterator()
            ),
            batch_size=settings.BULLETIN_BATCH_SIZE,
        )
    )
    if not count:
        finish_if_done(bulletin.pk)  # nobody to send it to: sent at once
    return count


def finish_if_done(bulletin_id: int) -> bool:
    """Mark the bulletin sent once none of its copies is waiting or in flight."""
    waiting = copies_of(OuterRef("pk")).filter(status__in=WAITING)
    return bool(
        Bulletin.objects.filter(pk=bulletin_id, status=Bulletin.Status.SENDING)
        .exclude(Exists(waiting))
        .update(status=Bulletin.Status.SENT, finished_at=timezone.now())
    )


def progress(bulletin: Bulletin) -> dict:
    """What the curators' progress panel shows: how many sent, waiting, failed, in doubt."""
    counts = copies_of(bulletin.pk).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Email.Status.values}
    )
    total = sum(counts.values())
    pending = sum(counts[status] for status in WAITING)
    return {
        "total": total,
        "sent": counts[Email.Status.SENT],
        "failed": counts[Email.Status.FAILED],
        "in_doubt": counts[Email.Status.IN_DOUBT],
        "skipped": counts[Email.Status.SKIPPED],
        "pending": pending,
        "percent": round(100 * (total - pending) / total) if total else 100,
    }


@transaction.atomic
def retry_failed(*, bulletin: Bulletin, in_doubt: bool = False) -> int:
    """The failed copies are sent again; answers how many.

    Those in doubt (interrupted mid-send: they may have arrived) are sent again only when asked,
    since their member may get a second copy.
    """
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.frozen is None:
        raise BulletinError("This bulletin has not been sent.")
    status = Email.Status.IN_DOUBT if in_doubt else Email.Status.FAILED
    retried = outbox.retry(copies_of(bulletin.pk).filter(status=status))
    if retried:
        Bulletin.objects.filter(pk=bulletin.pk).update(
            status=Bulletin.Status.SENDING, finished_at=None
        )
    return retried


# --- the sweep ------------------------------------------------------------------------------


def sweep() -> dict:
    """Start what is due, and mark sent what is done. A dead worker's claim and a lost batch
    are the outbox's sweep's (base.outbox.sweep)."""
    now = timezone.now()
    started = 0
    due = Bulletin.objects.filter(status=Bulletin.Status.SCHEDULED, scheduled_for__lte=now)
    for bulletin in due:
        try:
            start(bulletin=bulletin)
            started += 1
        except BulletinError as error:
            _not_sent_at_its_time(bulletin, reason=str(error))
    finished = sum(
        finish_if_done(bulletin_id)
        for bulletin_id in Bulletin.objects.filter(status=Bulletin.Status.SENDING).values_list(
            "pk", flat=True
        )
    )
    return {"started": started, "finished": finished}


def _not_sent_at_its_time(bulletin: Bulletin, *, reason: str) -> None:
    """A scheduled bulletin that cannot go (emptied, or its audience changed, since): back to
    draft, its curator told."""
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
