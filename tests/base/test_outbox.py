"""The outbox: every e-mail the site sends goes out once, or is visibly in doubt for a person to
decide; none is lost to a worker that dies or a mail server that is away."""

import signal
import socket
import time
import uuid
from datetime import timedelta

import pytest
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from base import outbox
from base.models import Email
from base.tasks import sweep_outbox
from members.services import NOTIFICATION_EMAIL, member_erase, notify
from tests.factories import ProfileFactory
from tests.mail import send_queued
from tests.workers import wait_until, worker_for
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import start_worker, stop_worker

NOTE = "tests.note"


def notes(emails):
    """A renderer for these tests: the subject comes in the context; a "broken" one cannot be
    built, an "unwanted" one is no longer wanted."""
    for email in emails:
        if email.context.get("broken"):
            raise ValueError("A line break in a header")
        if email.context.get("taken_over"):
            # Meanwhile the sweep took this batch for dead and queued its e-mails again.
            Email.objects.filter(pk__in=[email.pk for email in emails]).update(
                status=Email.Status.QUEUED, claim=None
            )
        if email.context.get("unwanted"):
            yield email, None
        else:
            yield email, EmailMessage(subject=email.context["subject"], body="Hello")


outbox.register(NOTE, notes)

FOLLOWED = "tests.followed"
# What the app of FOLLOWED e-mails was told after each batch: the statuses its e-mails had then.
followed_batches: list[dict[int, str]] = []


def after_followed(emails):
    followed_batches.append(
        dict(
            Email.objects.filter(pk__in=[email.pk for email in emails]).values_list("pk", "status")
        )
    )
    if any(email.context.get("breaks_after") for email in emails):
        raise RuntimeError("The app's own bookkeeping failed")


outbox.register(FOLLOWED, notes, after=after_followed)


def note(subject: str, **row) -> dict:
    return {"context": {"subject": subject, **row.pop("context", {})}, **row}


@pytest.fixture
def sink(settings):
    """A real SMTP server, and this process's e-mail sent to it."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        yield sink


@pytest.fixture
def reader(db):
    return ProfileFactory(member__name="Nia Reader", member__email="nia.reader@example.org").member


def statuses(ids) -> list[str]:
    return list(Email.objects.filter(pk__in=ids).order_by("pk").values_list("status", flat=True))


# --- in this process ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_message_that_cannot_be_built_fails_and_the_rest_of_the_batch_goes(reader, mailoutbox):
    ids = outbox.enqueue_many(
        NOTE,
        [
            note("First", recipient=reader),
            note("Second", recipient=reader, context={"broken": True}),
            note("Third", recipient=reader, context={"unwanted": True}),
            note("Fourth", recipient=reader),
        ],
    )

    batch = outbox.send(ids)

    assert str(batch) == "1 failed, 2 sent, 1 skipped" and batch.retry_in is None
    assert [message.subject for message in mailoutbox] == ["First", "Fourth"]
    assert statuses(ids) == ["sent", "failed", "skipped", "sent"]
    broken = Email.objects.get(pk=ids[1])
    assert (broken.attempts, broken.error) == (1, "ValueError: A line break in a header")
    assert str(outbox.send(ids)) == "nothing to send", "the failed one is not tried again"


@pytest.mark.django_db
def test_the_app_is_told_after_a_batch_of_its_kind_once_every_email_of_it_is_settled(
    reader, mailoutbox
):
    followed_batches.clear()
    ids = outbox.enqueue_many(
        FOLLOWED,
        [
            note("First", recipient=reader),
            note("Second", recipient=reader, context={"unwanted": True}),
            note("Third", recipient=reader, context={"broken": True}),
        ],
    )
    other = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Not followed"})

    outbox.send([*ids, other.pk])

    assert followed_batches == [dict(zip(ids, ["sent", "skipped", "failed"], strict=True))]
    assert len(mailoutbox) == 2
    outbox.send(ids)
    assert len(followed_batches) == 1, "a batch that claims nothing tells nobody"


@pytest.mark.django_db
def test_an_error_in_what_follows_a_batch_is_not_the_batchs(reader, mailoutbox):
    followed_batches.clear()
    ids = outbox.enqueue_many(
        FOLLOWED, [note("Hello", recipient=reader, context={"breaks_after": True})]
    )

    batch = outbox.send(ids)

    assert str(batch) == "1 sent" and batch.retry_in is None
    assert statuses(ids) == ["sent"] and len(followed_batches) == 1


@pytest.mark.django_db
def test_a_permanent_refusal_fails_at_once_and_keeps_no_address(sink, reader):
    sink.mailbox.refusals["nobody@example.org"] = "550 5.1.1 No such mailbox"
    ids = outbox.enqueue_many(
        NOTE, [note("Lost", address="nobody@example.org"), note("Found", recipient=reader)]
    )

    batch = outbox.send(ids)

    assert str(batch) == "1 failed, 1 sent" and batch.retry_in is None
    assert sink.mailbox.recipients() == [reader.email]
    refused = Email.objects.get(pk=ids[0])
    assert refused.status == Email.Status.FAILED
    assert refused.error == "Recipient refused: 550 5.1.1 No such mailbox"
    assert str(send_queued()) == "nothing to send"


@pytest.mark.django_db
def test_a_refusal_for_now_waits_then_goes_once(sink, reader):
    sink.mailbox.refusals[reader.email] = "451 4.3.0 Try again later"
    email = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Later"})

    assert outbox.send([email.pk]).retry_in == 60
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Email.Status.QUEUED, 1)
    assert email.not_before > timezone.now() + timedelta(seconds=55)
    assert str(outbox.send([email.pk])) == "nothing to send", "not before the wait"

    del sink.mailbox.refusals[reader.email]
    Email.objects.update(not_before=timezone.now())  # the wait has passed
    assert str(outbox.send([email.pk])) == "1 sent"
    assert sink.mailbox.recipients() == [reader.email]


@pytest.mark.django_db
def test_one_mailbox_refusing_for_now_waits_alone_and_the_rest_of_the_batch_goes(sink, reader):
    sink.mailbox.refusals["full@example.org"] = "452 4.2.2 Mailbox full"
    ids = outbox.enqueue_many(
        NOTE,
        [
            note("First", recipient=reader),
            note("Full", address="full@example.org"),
            note("Third", recipient=reader),
        ],
    )

    batch = outbox.send(ids)

    assert str(batch) == "1 queued, 2 sent" and batch.retry_in == 60
    assert sink.mailbox.recipients() == [reader.email, reader.email]
    assert statuses(ids) == ["sent", "queued", "sent"]
    assert Email.objects.get(pk=ids[1]).attempts == 1


@pytest.mark.django_db
def test_the_lost_are_queued_again_oldest_first_whatever_their_kind(
    reader, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_BATCH_SIZE = 1
    with django_capture_on_commit_callbacks(execute=False):
        old = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Old reminder"})
        newer = outbox.enqueue_many(
            FOLLOWED, [note(f"Copy {n}", recipient=reader) for n in range(3)]
        )
    Email.objects.filter(pk__in=newer).update(not_before=timezone.now() - timedelta(minutes=10))
    Email.objects.filter(pk=old.pk).update(not_before=timezone.now() - timedelta(hours=2))

    with django_capture_on_commit_callbacks() as queued, pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "SWEEP_LIMIT", 2)
        assert sweep_outbox()["lost"] == 2

    assert len(queued) == 2
    recent = timezone.now() - timedelta(minutes=1)
    assert Email.objects.get(pk=old.pk).not_before > recent, (
        "the oldest was taken, however many copies of a later kind wait"
    )
    assert Email.objects.filter(pk__in=newer, not_before__lt=recent).count() == 2


@pytest.mark.django_db
def test_a_message_whose_worker_dies_every_time_fails_in_the_end(reader, mailoutbox):
    email = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Deadly"})
    long_ago = timezone.now() - timedelta(minutes=11)
    for _ in range(outbox.MAX_ATTEMPTS):
        # Claimed, and its worker gone before handing it over.
        Email.objects.filter(pk=email.pk).update(
            status=Email.Status.SENDING, claim=uuid.uuid4(), claimed_at=long_ago
        )
        sweep_outbox()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (Email.Status.FAILED, outbox.MAX_ATTEMPTS)
    assert email.error == "Its worker stopped each time it was being sent."


@pytest.mark.django_db
def test_an_admin_sends_again_what_they_found_by_searching(client, reader, admin_member):
    email = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Lost"})
    Email.objects.filter(pk=email.pk).update(status=Email.Status.FAILED, attempts=5)
    client.force_login(admin_member)

    answer = client.post(
        reverse("admin:base_email_changelist") + "?q=nia.reader",
        {"action": "send_again", "_selected_action": [email.pk]},
        follow=True,
    )

    assert answer.status_code == 200
    assert "1 e-mail(s) queued to be sent again." in answer.content.decode()
    assert statuses([email.pk]) == ["queued"]


@pytest.mark.django_db
def test_a_batch_is_sent_over_one_connection_and_queued_as_one_task(
    sink, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        ids = outbox.enqueue_many(
            NOTE, (note(f"Note {n}", recipient_id=reader.pk) for n in range(250)), batch_size=100
        )
    assert len(queued) == 3, "one task per batch of a hundred"

    outbox.send(ids[:100])

    assert len(sink.mailbox.recipients()) == 100
    assert sink.mailbox.connections() == 1


@pytest.mark.django_db
def test_each_message_carries_a_message_id_of_its_own_row(reader, mailoutbox):
    email = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Hello"})

    send_queued()

    assert mailoutbox[0].extra_headers["Message-ID"] == f"<email-{email.pk}@127.0.0.1>"
    assert mailoutbox[0].to == [reader.email]


@pytest.mark.django_db
def test_the_sweep_queues_again_what_the_queue_lost(reader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        lost = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Lost"})
        outbox.enqueue(NOTE, recipient=reader, context={"subject": "On its way"})
    Email.objects.filter(pk=lost.pk).update(not_before=timezone.now() - timedelta(minutes=10))

    with django_capture_on_commit_callbacks() as queued:
        swept = sweep_outbox()

    assert swept == {"in_doubt": 0, "resumed": 0, "failed": 0, "lost": 1}
    assert len(queued) == 1
    assert sweep_outbox()["lost"] == 0, "its task is given time to arrive before another"


@pytest.mark.django_db
def test_the_sweep_takes_over_a_dead_claim(reader, settings, mailoutbox):
    ids = outbox.enqueue_many(NOTE, [note(f"Note {n}", recipient=reader) for n in range(3)])
    claim, long_ago = uuid.uuid4(), timezone.now() - timedelta(minutes=11)
    Email.objects.update(status=Email.Status.SENDING, claim=claim, claimed_at=long_ago)
    # The worker died while handing the first one to the mail server.
    Email.objects.filter(pk=ids[0]).update(handed_over_at=long_ago)

    assert sweep_outbox() == {"in_doubt": 1, "resumed": 2, "failed": 0, "lost": 0}

    assert statuses(ids) == ["in_doubt", "queued", "queued"]
    assert str(outbox.send(ids)) == "2 sent"
    assert [message.subject for message in mailoutbox] == ["Note 1", "Note 2"]


@pytest.mark.django_db
def test_a_live_claim_is_left_alone(reader):
    email = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Busy"})
    Email.objects.update(status=Email.Status.SENDING, claim=uuid.uuid4(), claimed_at=timezone.now())

    assert sweep_outbox() == {"in_doubt": 0, "resumed": 0, "failed": 0, "lost": 0}
    assert statuses([email.pk]) == ["sending"]


@pytest.mark.django_db
def test_a_batch_whose_claim_was_taken_over_stops_before_sending(reader, mailoutbox):
    ids = outbox.enqueue_many(
        NOTE, [note("First", recipient=reader, context={"taken_over": True}), note("Second")]
    )

    assert str(outbox.send(ids)) == "claim taken over"

    assert mailoutbox == []
    assert statuses(ids) == ["queued", "queued"]


@pytest.mark.django_db
def test_failed_and_in_doubt_emails_can_be_sent_again_and_others_not(reader, mailoutbox):
    ids = outbox.enqueue_many(NOTE, [note(f"Note {n}", recipient=reader) for n in range(4)])
    for pk, status in zip(ids, ["failed", "in_doubt", "sent", "skipped"], strict=True):
        Email.objects.filter(pk=pk).update(status=status, attempts=5, error="Gone wrong")

    assert outbox.retry(Email.objects.all()) == 2

    assert statuses(ids) == ["queued", "queued", "sent", "skipped"]
    assert str(send_queued()) == "2 sent"
    assert Email.objects.get(pk=ids[0]).error == ""


@pytest.mark.django_db
def test_closing_an_account_skips_its_waiting_emails_and_forgets_whom_all_were_for(
    reader, mailoutbox
):
    sent = outbox.enqueue(NOTE, recipient=reader, context={"subject": "Before"})
    send_queued()
    waiting = outbox.enqueue(NOTE, recipient=reader, context={"subject": "After"})
    invited = outbox.enqueue(NOTE, address=reader.email, context={"subject": "Invited"})
    other = outbox.enqueue(NOTE, address="someone.else@example.org", context={"subject": "Hi"})

    member_erase(reader)

    assert statuses([sent.pk, waiting.pk, invited.pk, other.pk]) == [
        "sent",
        "skipped",
        "skipped",
        "queued",
    ]
    theirs = Email.objects.filter(pk__in=[sent.pk, waiting.pk, invited.pk])
    assert list(theirs.values_list("recipient", "address")) == [(None, "")] * 3
    assert Email.objects.get(pk=other.pk).address == "someone.else@example.org"


# --- real workers ------------------------------------------------------------------------------


def told(member) -> Email:
    """A notification for the member, e-mailed through the outbox by the running worker."""
    notification = notify(
        member=member, kind="reply", message="Iona replied to your thread", url="/members/me/"
    )
    return Email.objects.get(kind=NOTIFICATION_EMAIL, about_id=notification.pk)


def now_of(email: Email) -> Email:
    return Email.objects.get(pk=email.pk)


def kill(worker) -> None:
    """No goodbye: as a machine losing power."""
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_handing_over_leaves_the_email_to_the_sweep_which_sends_it_once(
    reader, settings
):
    # A mail server that accepts the connection and never greets: the worker waits in between.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    first = start_worker(
        EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(silent.getsockname()[1])
    )
    try:
        email = told(reader)
        assert wait_until(lambda: now_of(email).status == Email.Status.SENDING)
        time.sleep(0.5)
        kill(first)
    finally:
        stop_worker(first)
        silent.close()
    stranded = now_of(email)
    assert stranded.status == Email.Status.SENDING and stranded.handed_over_at is None

    with SmtpSink() as sink:
        second = worker_for(sink)
        try:
            settings.OUTBOX_CLAIM_TIMEOUT = 1
            time.sleep(1.5)  # the dead worker's claim is now stale
            assert sweep_outbox()["resumed"] == 1
            assert sink.mailbox.wait_for(1)
            time.sleep(2)  # time for a second copy, were there one
        finally:
            stop_worker(second)
        received = sink.mailbox.recipients()

    assert received == [reader.email]
    assert now_of(email).status == Email.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_handing_over_leaves_the_email_in_doubt_for_an_admin_to_resend(
    client, reader, admin_member, settings
):
    with SmtpSink(delay=3) as sink:
        first = worker_for(sink)
        try:
            email = told(reader)
            assert wait_until(lambda: now_of(email).handed_over_at is not None)
            time.sleep(1)  # the mail server is taking the message
            kill(first)
        finally:
            stop_worker(first)
        settings.OUTBOX_CLAIM_TIMEOUT = 1
        time.sleep(1.5)
        assert sweep_outbox()["in_doubt"] == 1

        client.force_login(admin_member)
        outbox_page = reverse("admin:base_email_changelist")
        listed = client.get(outbox_page, {"status__exact": "in_doubt"}).content.decode()
        assert "In doubt (may have arrived)" in listed and "Nia Reader" in listed
        assert "Interrupted while sending: it may have arrived." in listed

        sink.mailbox.delay = 0
        second = worker_for(sink)
        try:
            answer = client.post(
                outbox_page, {"action": "send_again", "_selected_action": [email.pk]}, follow=True
            )
            assert "1 e-mail(s) queued to be sent again." in answer.content.decode()
            assert wait_until(lambda: now_of(email).status == Email.Status.SENT)
        finally:
            stop_worker(second)
        copies = sink.mailbox.messages()

    # The first copy reached the server as the worker died: the second is recognisably the same.
    assert [str(copy["To"]) for copy in copies] == [reader.email, reader.email]
    assert {str(copy["Message-ID"]) for copy in copies} == {f"<email-{email.pk}@127.0.0.1>"}


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_away_and_back_gets_the_email_after_the_wait_once(reader):
    sink = SmtpSink()  # its port chosen; nothing listens there yet
    worker = worker_for(sink, OUTBOX_RETRY_SECONDS="2")
    try:
        email = told(reader)
        assert wait_until(lambda: now_of(email).attempts == 1)
        waiting = now_of(email)
        assert waiting.status == Email.Status.QUEUED
        assert "ConnectionRefusedError" in waiting.error

        with sink:
            assert sink.mailbox.wait_for(1, seconds=30)
            time.sleep(3)  # time for a second copy, were there one
            received = sink.mailbox.recipients()
    finally:
        stop_worker(worker)

    assert received == [reader.email]
    sent = now_of(email)
    assert (sent.status, sent.attempts) == (Email.Status.SENT, 2)
