"""Bulletins sent by real Celery workers on Redis to a real SMTP server: duplicates and crashes."""

import collections
import signal
import time

import pytest

from bulletins import services
from bulletins.models import Bulletin, Delivery
from bulletins.tasks import send_bulletin_batch, sweep_bulletins
from tests.bulletins.conftest import add_section, make_bulletin, subscribe
from tests.factories import MemberFactory
from tests.resources.conftest import make_resource
from tests.workers import wait_until, worker_for
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import stop_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def unfinished(bulletin) -> int:
    return Delivery.objects.filter(
        bulletin=bulletin, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).count()


@pytest.fixture
def bulletin(curator):
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, resources=[make_resource("Run chart tool")])
    return bulletin


def test_every_subscriber_gets_one_copy_even_when_batches_are_delivered_twice(bulletin):
    readers = subscribe(*MemberFactory.create_batch(12))
    with SmtpSink() as sink:
        worker = worker_for(sink, BULLETIN_BATCH_SIZE="5")
        try:
            services.bulletin_send(bulletin=bulletin)
            everyone = list(Delivery.objects.values_list("pk", flat=True))
            # The broker redelivers: the same work queued again, twice.
            send_bulletin_batch.delay(bulletin.pk, everyone)
            send_bulletin_batch.delay(bulletin.pk, everyone)

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
    with SmtpSink(delay=0.2) as sink:
        settings_for_workers = {"BULLETIN_BATCH_SIZE": "5", "BULLETIN_CLAIM_TIMEOUT": "2"}
        first = worker_for(sink, **settings_for_workers)
        try:
            services.bulletin_send(bulletin=bulletin)
            assert sink.mailbox.wait_for(3)
            first.send_signal(signal.SIGKILL)  # no goodbye: as a machine losing power
            first.wait(timeout=30)
        finally:
            stop_worker(first)
        stranded = Delivery.objects.filter(status=Delivery.Status.SENDING).count()

        second = worker_for(sink, **settings_for_workers)
        try:
            time.sleep(2.5)  # the dead worker's claim is now stale
            settings.BULLETIN_CLAIM_TIMEOUT = 2
            sweep_bulletins()
            assert wait_until(lambda: unfinished(bulletin) == 0)
        finally:
            stop_worker(second)
        received = collections.Counter(sink.mailbox.recipients())

    assert stranded > 0, "the worker was stopped in the middle of a batch"
    assert max(received.values()) == 1, "nobody was sent the bulletin twice"
    in_doubt = Delivery.objects.filter(status=Delivery.Status.FAILED)
    # At most the one message the worker was handing over when it died is in doubt; it is
    # marked for a curator to retry, and everyone else has the bulletin.
    assert in_doubt.count() <= 1
    assert set(received) | {delivery.member.email for delivery in in_doubt} == {
        reader.email for reader in readers
    }
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).select_related("member")
    assert {delivery.member.email for delivery in sent} <= set(received)
