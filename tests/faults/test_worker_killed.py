"""A Celery worker is killed (SIGKILL, as a machine losing power) in the middle of sending an
eBulletin to 300 members; a new worker and the beat sweep finish it without second copies."""

import collections
import signal
from datetime import timedelta

import pytest
from django.urls import reverse

from bulletins.models import Bulletin, Delivery
from bulletins.tasks import sweep_bulletins
from tests.bulletins.conftest import add_section, make_bulletin, subscribe
from tests.factories import MemberFactory
from tests.resources.conftest import make_resource, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

READERS = 300
BATCH = 50
# A dead worker's claim is taken over after this many seconds of no sign of life.
CLAIM_TIMEOUT = 2


def unfinished(bulletin) -> int:
    return Delivery.objects.filter(
        bulletin=bulletin, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).count()


def test_a_bulletin_interrupted_by_a_killed_worker_reaches_everyone_once(
    client, curator, private_redis, workers, smtp_sink, settings, monkeypatch
):
    readers = subscribe(*MemberFactory.create_batch(READERS))
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, resources=[make_resource("Run chart tool")])
    smtp_sink.mailbox.delay = 0.01  # slow enough that the kill lands in the middle
    for_workers = {"BULLETIN_BATCH_SIZE": str(BATCH), "BULLETIN_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT)}
    first = workers(**for_workers)

    client.force_login(curator)
    response = client.post(reverse("bulletins:send", args=[bulletin.slug]), {"when": "now"})
    assert response.status_code == 302
    # Half-way through the third batch.
    assert smtp_sink.mailbox.wait_for(2 * BATCH + BATCH // 2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    stranded = unfinished(bulletin)
    assert 0 < stranded < READERS, "the worker died in the middle of the bulletin"

    workers(**for_workers)
    settings.BULLETIN_CLAIM_TIMEOUT = CLAIM_TIMEOUT
    # Had the worker died between taking a batch from the queue and claiming its rows, that
    # batch would be queued again once the bulletin had been quiet for LOST_BATCH (minutes in
    # production; seconds here).
    monkeypatch.setattr("bulletins.delivery.LOST_BATCH", timedelta(seconds=5))

    def swept_and_done() -> bool:
        # Beat's tick: the dead worker's claim is taken over once it has gone quiet for long enough.
        sweep_bulletins()
        return unfinished(bulletin) == 0

    assert wait_until(swept_and_done, seconds=120)
    assert wait_until(lambda: Bulletin.objects.get(pk=bulletin.pk).status == Bulletin.Status.SENT)
    received = collections.Counter(smtp_sink.mailbox.recipients())

    assert max(received.values()) == 1, "nobody was sent the bulletin twice"
    # The one message being handed to the SMTP server at the moment of the kill may or may not
    # have arrived: it is marked in doubt for a curator rather than sent again.
    in_doubt = {
        delivery.member.email
        for delivery in Delivery.objects.filter(in_doubt=True).select_related("member")
    }
    assert len(in_doubt) <= 1
    everyone = {reader.email for reader in readers}
    assert set(received) | in_doubt == everyone, "nobody was missed"
    assert set(received) <= everyone
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).select_related("member")
    assert {delivery.member.email for delivery in sent} <= set(received)
