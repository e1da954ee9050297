"""The outbox: the one way the site sends e-mail (all but the account e-mails of allauth).

An app asks for an e-mail inside the transaction of the change that causes it (`enqueue`), so
the row and the change commit together or not at all. After the commit a Celery task sends it
(base.tasks.send_emails). The message is built only then, by the renderer the app registered
for its kind, from what the site holds at that moment: a renderer answers None for an e-mail no
longer wanted (the member turned e-mails off, the event has started), which is skipped. An app
that follows a whole group of e-mails (an eBulletin's thousands) is told after each batch of
its kind (register's `after`), so nothing here imports it.

Every change of an e-mail's delivery state is made here:

    queued ─claim─▶ sending ─hand-over─▶ (SMTP) ─▶ sent
                       │                    ├─ refused for good, or cannot be built ─▶ failed
                       │                    └─ the server broke off mid-message ─▶ in_doubt
                       ├─ the server cannot be reached ─▶ queued again later (failed at the end)
                       └─ no longer wanted, or nobody to send to ─▶ skipped

A worker that dies leaves its claim; the sweep (every minute) puts back in the queue what it
had not handed to the mail server, and marks in doubt the one message it was handing over,
which may have arrived: a person decides whether to send it again (`retry`, the admin's
"Send again"). Each message carries a Message-ID made from its row, so a copy sent again is
recognisably the same message.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import smtplib
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from base.links import site_host
from base.models import Email

logger = logging.getLogger(__name__)

Status = Email.Status
# Tries of one e-mail while the mail server cannot be reached before it is failed for good.
MAX_ATTEMPTS = 5
# The longest wait between two tries.
LONGEST_WAIT = timedelta(hours=1)
# At most this many lost e-mails are queued again by one sweep; the next sweep takes the rest.
SWEEP_LIMIT = 5000
SEND_TASK = "base.tasks.send_emails"

Build = Callable[[list[Email]], Iterator[tuple[Email, EmailMessage | None]]]
After = Callable[[list[Email]], object]
_renderers: dict[str, Build] = {}
_afters: dict[str, After] = {}


def subject(text: str) -> str:
    """A site e-mail's subject: the site's name first, as on the account e-mails."""
    return f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{text}"


# --- asking for e-mails ------------------------------------------------------------------------


def register(kind: str, build: Build, *, after: After | None = None) -> None:
    """Name the renderer of one kind of e-mail ("events.confirmation"); apps call it in their
    AppConfig.ready().

    `build(emails)` is given a claimed batch of e-mails of this kind, in order, and yields
    `(email, message)` for each of them in the same order, loading what they share once for the
    batch. The message needs a subject, a body and any attachments and headers; the outbox sets
    the recipient and the Message-ID. `message` None means the e-mail is no longer wanted: it is
    skipped. An exception while building one fails that e-mail (no retry would mend it) and the
    others are built again without it.

    `after(emails)`, if given, is called once a send task is done with the e-mails of this kind
    it claimed (sent, failed, skipped, or given back to the queue), so that the asking app can
    note what they were part of is finished (an eBulletin's last batch) without a sweep's wait.
    It must be idempotent and cheap; an error in it is logged, never the batch's.
    """
    if _renderers.get(kind, build) is not build:
        raise ImproperlyConfigured(f"Two renderers for the e-mails of kind {kind!r}.")
    _renderers[kind] = build
    if after is not None:
        _afters[kind] = after


def kinds() -> list[str]:
    """The kinds of e-mail the apps have registered, for the admin's filter."""
    return sorted(_renderers)


def enqueue(
    kind: str,
    *,
    about_id: int | None = None,
    recipient=None,
    address: str = "",
    context: dict | None = None,
    not_before: datetime | None = None,
) -> Email:
    """One e-mail into the outbox: call it inside the transaction of the change that causes it.

    `recipient`: the member (or their id) it goes to, at their address when it is sent; or
    `address` for someone without an account. `about_id`: the row of the asking app it concerns.
    `context`: small parameters for the renderer, never personal content. `not_before`: not
    sent before this moment. Sent after the commit; the sweep sends it if the queue loses it.
    """
    _check(kind)
    email = Email.objects.create(**_fields(kind, about_id, recipient, address, context, not_before))
    _queue([email.pk], not_before=email.not_before)
    return email


def enqueue_many(kind: str, rows: Iterable[Mapping], *, batch_size: int | None = None) -> list[int]:
    """Many e-mails of one kind at once (an eBulletin's thousands): one insert per thousand rows,
    and after the commit one send task per batch of `batch_size` (OUTBOX_BATCH_SIZE), each batch
    rendered together and sent over one SMTP connection.

    Each row is a mapping of enqueue's keywords (about_id, recipient, address, context,
    not_before); `recipient_id` may stand for `recipient`. Answers the new rows' ids.
    """
    _check(kind)
    emails = Email.objects.bulk_create(
        [
            Email(
                **_fields(
                    kind,
                    row.get("about_id"),
                    row.get("recipient", row.get("recipient_id")),
                    row.get("address", ""),
                    row.get("context"),
                    row.get("not_before"),
                )
            )
            for row in rows
        ],
        batch_size=1000,
    )
    ids = [email.pk for email in emails]
    size = batch_size or settings.OUTBOX_BATCH_SIZE
    # The latest not_before of a batch: none of it is claimed before it is due.
    for start in range(0, len(ids), size):
        batch = emails[start : start + size]
        _queue(ids[start : start + size], not_before=max(email.not_before for email in batch))
    return ids


def _check(kind: str) -> None:
    if kind not in _renderers:
        raise ImproperlyConfigured(f"No renderer is registered for e-mails of kind {kind!r}.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "An e-mail is put in the outbox inside the transaction of the change that causes it."
        )


def _fields(kind, about_id, recipient, address, context, not_before) -> dict:
    return {
        "kind": kind,
        "about_id": about_id,
        "recipient_id": getattr(recipient, "pk", recipient),
        "address": address,
        "context": context or {},
        "not_before": not_before or timezone.now(),
    }


def _queue(ids: list[int], *, not_before: datetime | None = None) -> None:
    """Ask a worker to send these after the commit (at once, or when they are due)."""
    # Found by name: base.tasks imports this module (base.apps loads it), not the other way.
    send_emails = current_app.tasks[SEND_TASK]
    wait = (not_before - timezone.now()).total_seconds() if not_before else 0
    if wait > 0:
        send_emails.apply_async_on_commit((ids,), countdown=wait + 1)
    else:
        send_emails.delay_on_commit(ids)


def _queue_by_kind(rows: Iterable[tuple[int, str]]) -> None:
    """(id, kind) pairs sorted by kind: one task per batch of one kind, rendered together."""
    size = settings.OUTBOX_BATCH_SIZE
    for _, same_kind in itertools.groupby(rows, key=lambda row: row[1]):
        ids = [pk for pk, _ in same_kind]
        for start in range(0, len(ids), size):
            _queue(ids[start : start + size])


# --- sending -----------------------------------------------------------------------------------


@dataclass
class Batch:
    """What one send task did: how many e-mails ended in each state, and when to try again."""

    outcomes: dict[str, int] = field(default_factory=dict)
    retry_in: float | None = None
    taken_over: bool = False

    def count(self, status: str, number: int = 1) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + number

    def __str__(self) -> str:
        if self.taken_over:
            return "claim taken over"
        if not self.outcomes:
            return "nothing to send"
        return ", ".join(f"{number} {status}" for status, number in sorted(self.outcomes.items()))


class _ServerUnavailable(Exception):
    """The mail server cannot take mail now: the e-mails not sent wait and are tried again."""


class _BrokeOff(Exception):
    """The server broke off during a message, now in doubt; the rest wait and are tried again."""

    def __init__(self, email: Email):
        super().__init__(email.pk)
        self.email = email


def send(email_ids: list[int]) -> Batch:
    """Send the queued, due e-mails among these, over one SMTP connection.

    They are claimed first with a conditional update, so a task run twice finds nothing left to
    claim. Before each message the claim is renewed on that row (a sign of life for the sweep)
    and the hand-over noted; the batch stops at once if the sweep has taken its claim over.
    """
    batch = Batch()
    claim = uuid.uuid4()
    now = timezone.now()
    claimed = Email.objects.filter(
        pk__in=email_ids, status=Status.QUEUED, not_before__lte=now
    ).update(status=Status.SENDING, claim=claim, claimed_at=now, handed_over_at=None)
    if not claimed:
        return batch
    emails = list(
        Email.objects.filter(pk__in=email_ids, claim=claim, status=Status.SENDING)
        .select_related("recipient")
        .order_by("kind", "pk")
    )
    _send_claimed(emails, claim, now, batch)
    _after_batch(emails)
    return batch


def _send_claimed(emails: list[Email], claim, now: datetime, batch: Batch) -> None:
    unfinished = {email.pk: email for email in emails}
    renewed = now
    connection = None
    try:
        for kind, same_kind in itertools.groupby(emails, key=lambda email: email.kind):
            for email, message in _built(kind, list(same_kind)):
                if isinstance(message, Exception):
                    _finish(email, claim, Status.FAILED, error=_describe(message))
                    batch.count(Status.FAILED)
                elif message is None or not _address_of(email):
                    _finish(email, claim, Status.SKIPPED)
                    batch.count(Status.SKIPPED)
                else:
                    if connection is None:
                        connection = get_connection()
                        connection.open()
                    # A long batch renews its claim on the rows still to come too, so that the
                    # sweep never takes a living batch for a dead one.
                    if timezone.now() - renewed > _claim_timeout() / 4:
                        renewed = timezone.now()
                        Email.objects.filter(
                            pk__in=list(unfinished), claim=claim, status=Status.SENDING
                        ).update(claimed_at=renewed)
                    if not _hand_over(email, claim):
                        batch.taken_over = True
                        return
                    outcome = _send_one(connection, email, claim, message, batch)
                    if outcome is not None:
                        batch.count(outcome)
                del unfinished[email.pk]
    except (_ServerUnavailable, _BrokeOff, OSError) as error:
        # Nothing after the failed one was handed over: it waits, and this task is tried again.
        cause = error.__cause__ if isinstance(error, _ServerUnavailable | _BrokeOff) else error
        if isinstance(error, _BrokeOff):
            del unfinished[error.email.pk]
            batch.count(Status.IN_DOUBT)
        _release(list(unfinished.values()), claim, cause, batch)
    finally:
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()


def _after_batch(emails: list[Email]) -> None:
    """Each kind's `after` (register), with the e-mails of that kind this batch claimed."""
    for kind, same_kind in itertools.groupby(emails, key=lambda email: email.kind):
        after = _afters.get(kind)
        if after is None:
            continue
        try:
            after(list(same_kind))
        except Exception:
            # The e-mails are sent: what `after` notes, its app's own sweep notes later.
            logger.exception("What follows a batch of %s e-mails failed", kind)


def _built(
    kind: str, emails: list[Email]
) -> Iterator[tuple[Email, EmailMessage | Exception | None]]:
    """The renderer's (email, message) pairs; an error in place of the message of an e-mail
    that could not be built, the renderer then asked again for the rest."""
    build = _renderers.get(kind)
    if build is None:
        error = LookupError(f"No renderer for e-mails of kind {kind!r}.")
        for email in emails:
            yield email, error
        return
    waiting = {email.pk: email for email in emails}
    while waiting:
        try:
            for email, message in build(list(waiting.values())):
                waiting.pop(email.pk, None)
                yield email, message
        except Exception as error:
            # Yielded in order: the first not yet yielded is the one being built.
            failed = waiting.pop(next(iter(waiting)))
            logger.exception("The %s e-mail %s cannot be built", kind, failed.pk)
            yield failed, error
        else:
            for email in list(waiting.values()):
                waiting.pop(email.pk)
                yield email, LookupError("The renderer did not build it.")


def _address_of(email: Email) -> str:
    if email.address:
        return email.address
    member = email.recipient
    return member.email if member is not None and member.is_active else ""


def message_id(email: Email) -> str:
    """The same for every copy of this e-mail: a copy sent again is recognisably the same."""
    return f"<email-{email.pk}@{site_host()}>"


def _send_one(connection, email: Email, claim, message: EmailMessage, batch: Batch) -> str | None:
    message.to = [_address_of(email)]
    message.extra_headers["Message-ID"] = message_id(email)
    try:
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as refusal:
        codes = [code for code, _ in refusal.recipients.values()]
        if codes and min(codes) < 500:
            # This mailbox, for now (full, or rate limited): it waits alone, the batch goes on.
            return _release([email], claim, refusal, batch)
        if not codes:
            raise _ServerUnavailable from refusal
        return _finish(email, claim, Status.FAILED, error=_describe(refusal))
    except smtplib.SMTPResponseException as refusal:
        # The server answered, and refused: the message was not delivered. For good (5xx), or
        # for now (4xx: this and the rest wait).
        if refusal.smtp_code < 500:
            raise _ServerUnavailable from refusal
        return _finish(email, claim, Status.FAILED, error=_describe(refusal))
    except OSError as error:
        # The server broke off during this message (SMTP errors are OSErrors): it may have been
        # delivered, and sending it again could be a second copy. A person decides.
        _finish(email, claim, Status.IN_DOUBT, error=_describe(error))
        raise _BrokeOff(email) from error
    except Exception as error:
        # The message cannot be written (a line break in a header, an address that cannot be
        # encoded): nothing reached the server and no retry would mend it. The batch goes on.
        logger.exception("The %s e-mail %s cannot be sent", email.kind, email.pk)
        return _finish(email, claim, Status.FAILED, error=_describe(error))
    return _finish(email, claim, Status.SENT)


def _hand_over(email: Email, claim) -> bool:
    """Renew the claim and note the hand-over; False if the claim is no longer this batch's."""
    now = timezone.now()
    return bool(
        Email.objects.filter(pk=email.pk, claim=claim, status=Status.SENDING).update(
            claimed_at=now, handed_over_at=now
        )
    )


def _finish(email: Email, claim, status: str, *, error: str = "") -> str:
    tried = status in {Status.SENT, Status.FAILED, Status.IN_DOUBT}
    Email.objects.filter(pk=email.pk, claim=claim).update(
        status=status,
        sent_at=timezone.now() if status == Status.SENT else None,
        error=error,
        attempts=F("attempts") + (1 if tried else 0),
    )
    return status


def _release(emails: list[Email], claim, error: BaseException | None, batch: Batch) -> None:
    """Back to the queue, to be tried after a wait that doubles with each attempt (failed after
    MAX_ATTEMPTS); the batch notes the shortest wait, for the task's own retry."""
    now = timezone.now()
    waits = []
    for attempts, same in itertools.groupby(
        sorted(emails, key=lambda email: email.attempts), key=lambda email: email.attempts
    ):
        attempts += 1
        ids = [email.pk for email in same]
        rows = Email.objects.filter(pk__in=ids, claim=claim, status=Status.SENDING)
        if attempts >= MAX_ATTEMPTS:
            batch.count(
                Status.FAILED,
                rows.update(status=Status.FAILED, attempts=attempts, error=_describe(error)),
            )
            continue
        wait = backoff(attempts)
        released = rows.update(
            status=Status.QUEUED,
            attempts=attempts,
            not_before=now + wait,
            claim=None,
            claimed_at=None,
            handed_over_at=None,
            error=_describe(error),
        )
        batch.count(Status.QUEUED, released)
        waits.append(wait.total_seconds())
    if waits:
        batch.retry_in = min([*waits, *([batch.retry_in] if batch.retry_in else [])])


def _claim_timeout() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT)


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th attempt failed: OUTBOX_RETRY_SECONDS, doubling, at most an hour."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1)
    return min(timedelta(seconds=seconds), LONGEST_WAIT)


def _describe(error: BaseException | None) -> str:
    if error is None:
        return ""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Not the refused address itself: an error must not keep a person's address.
        replies = {
            f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values()
        }
        return f"Recipient refused: {'; '.join(sorted(replies))}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


# --- the sweep, and a person's decisions -------------------------------------------------------


def sweep() -> dict[str, int]:
    """Beat, every minute: take over the claims of workers that died, and queue again what the
    queue lost. Postgres says what is still to be sent."""
    now = timezone.now()
    cutoff = now - _claim_timeout()
    # A batch renews its claim on the row it hands over (and, when it runs long, on the rows
    # still to come): its latest sign of life.
    dead = (
        Email.objects.filter(status=Status.SENDING)
        .values("claim")
        .annotate(last_sign=Max("claimed_at"))
        .filter(last_sign__lt=cutoff)
        .values_list("claim", flat=True)
    )
    counts = {"in_doubt": 0, "resumed": 0, "failed": 0, "lost": 0}
    for claim in list(dead):
        with transaction.atomic():
            rows = Email.objects.select_for_update().filter(claim=claim, status=Status.SENDING)
            # Handed to the mail server and never marked: it may have arrived.
            counts["in_doubt"] += rows.filter(handed_over_at__isnull=False).update(
                status=Status.IN_DOUBT,
                attempts=F("attempts") + 1,
                error="Interrupted while sending: it may have arrived.",
            )
            # Never handed over: certainly not sent, and safe to send.
            # Each resume counts as a try: a message whose building kills or hangs the worker
            # must not come back for ever.
            never_handed = rows.filter(handed_over_at__isnull=True)
            counts["failed"] += never_handed.filter(attempts__gte=MAX_ATTEMPTS - 1).update(
                status=Status.FAILED,
                attempts=F("attempts") + 1,
                error="Its worker stopped each time it was being sent.",
            )
            resumed = list(never_handed.order_by("kind", "pk").values_list("pk", "kind"))
            Email.objects.filter(pk__in=[pk for pk, _ in resumed]).update(
                status=Status.QUEUED,
                claim=None,
                claimed_at=None,
                not_before=now,
                attempts=F("attempts") + 1,
            )
            _queue_by_kind(resumed)
            counts["resumed"] += len(resumed)
    with transaction.atomic():
        lost = list(
            Email.objects.select_for_update(skip_locked=True)
            .filter(
                status=Status.QUEUED,
                not_before__lt=now - timedelta(seconds=settings.OUTBOX_LOST_AFTER),
            )
            # Oldest first, whatever their kind: a long bulletin must not hold back a reminder.
            .order_by("not_before", "pk")
            .values_list("pk", "kind")[:SWEEP_LIMIT]
        )
        lost.sort(key=lambda row: row[1])
        # Due from now: the next sweep leaves them to this one's tasks for as long again.
        Email.objects.filter(pk__in=[pk for pk, _ in lost]).update(not_before=now)
        _queue_by_kind(lost)
        counts["lost"] = len(lost)
    return counts


def retry(emails: QuerySet[Email]) -> int:
    """Send again the failed and in-doubt e-mails among these (an admin's decision: an e-mail in
    doubt may already have arrived); answers how many."""
    with transaction.atomic():
        # Locked by key alone: the admin's search joins the nullable recipient, and rows on the
        # nullable side of an outer join cannot be locked.
        chosen = list(
            Email.objects.select_for_update()
            .filter(pk__in=emails.values("pk"), status__in=[Status.FAILED, Status.IN_DOUBT])
            .order_by("kind", "pk")
            .values_list("pk", "kind")
        )
        Email.objects.filter(pk__in=[pk for pk, _ in chosen]).update(
            status=Status.QUEUED,
            attempts=0,
            not_before=timezone.now(),
            claim=None,
            claimed_at=None,
            handed_over_at=None,
            error="",
        )
        _queue_by_kind(chosen)
    return len(chosen)


def erase(*, recipient, address: str = "") -> int:
    """A closed account: its e-mails still queued are skipped, and every row of theirs (and any
    sent to `address`, their address) loses who it was for. The rows stay, so counts do.
    Answers how many rows were theirs."""
    theirs = Q(recipient=recipient)
    if address:
        theirs |= Q(address__iexact=address)
    rows = Email.objects.filter(theirs)
    rows.filter(status=Status.QUEUED).update(status=Status.SKIPPED)
    return rows.update(recipient=None, address="", error="")
