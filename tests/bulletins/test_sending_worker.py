"""Bulletins sent by real Celery workers on Redis to a real SMTP server: duplicates and crashes."""

import collections
import signal
import time

import pytest

from base.models import Email
from base.tasks import send_emails, sweep_outbox
from bulletins import services
from bulletins.models import Bulletin
from bulletins.tasks import sweep_bulletins
from tests.bulletins.conftest import add_section, copies, make_bulletin, subscribe, unfinished
from tests.factories import MemberFactory
from tests.resources.conftest import make_resource
from tests.workers import wait_until, worker_for
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import stop_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def bulletin(curator):
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, resources=[make_resource("Run chart tool")])
    return bulletin


def test_every_subscriber_gets_one_copy_even_when_batches_are_delivered_twice(bulletin, settings):
    readers = subscribe(*MemberFactory.create_batch(12))
    settings.BULLETIN_BATCH_SIZE = 5
    with SmtpSink() as sink:
        worker = worker_for(sink)
        try:
            services.bulletin_send(bulletin=bulletin)
            everyone = list(copies(bulletin).values_list("pk", flat=True))
            # The broker redelivers: the same work queued again, twice.
            send_emails.delay(everyone)
            send_emails.delay(everyone)

            assert wait_until(lambda: unfinished(bulletin) == 0)
            assert wait_until(
                lambda: Bulletin.objects.get(pk=bulletin.pk).status == Bulletin.Status.SENT
            )
        finally:
            stop_worker(worker)
        received = collections.Counter(sink.mailbox.recipients())

    assert received == collections.Counter(reader.email for reader in readers)


def test_a_worker_killed_mid_send_is_resumed_by_the_sweep_with_no_second_copies(bulletin, settings):
    readers = subscribe(*MemberFactory.create_batch(20))
    settings.BULLETIN_BATCH_SIZE = 5
    with SmtpSink(delay=0.2) as sink:
        settings_for_workers = {"OUTBOX_CLAIM_TIMEOUT": "2"}
        first = worker_for(sink, **settings_for_workers)
        try:
            services.bulletin_send(bulletin=bulletin)
            assert sink.mailbox.wait_for(3)
            first.send_signal(signal.SIGKILL)  # no goodbye: as a machine losing power
            first.wait(timeout=30)
        finally:
            stop_worker(first)
        stranded = copies(bulletin).filter(status=Email.Status.SENDING).count()

        second = worker_for(sink, **settings_for_workers)
        try:
            time.sleep(2.5)  # the dead worker's claim is now stale
            settings.OUTBOX_CLAIM_TIMEOUT = 2
            # Beat's ticks: the outbox takes the dead claim over, the bulletins' sweep finishes.
            sweep_outbox()
            assert wait_until(lambda: unfinished(bulletin) == 0)
            sweep_bulletins()
        finally:
            stop_worker(second)
        received = collections.Counter(sink.mailbox.recipients())

    assert stranded > 0, "the worker was stopped in the middle of a batch"
    assert max(received.values()) == 1, "nobody was sent the bulletin twice"
    in_doubt = copies(bulletin).exclude(status=Email.Status.SENT).select_related("recipient")
    # At most the one message the worker was handing over when it died is in doubt; it is
    # marked for a curator to retry, and everyone else has the bulletin.
    assert {copy.status for copy in in_doubt} <= {Email.Status.IN_DOUBT}
    assert in_doubt.count() <= 1
    assert set(received) | {copy.recipient.email for copy in in_doubt} == {
        reader.email for reader in readers
    }
    sent = copies(bulletin).filter(status=Email.Status.SENT).select_related("recipient")
    assert {copy.recipient.email for copy in sent} <= set(received)
    assert Bulletin.objects.get(pk=bulletin.pk).status == Bulletin.Status.SENT
