"""A Celery worker is killed (SIGKILL, as a machine losing power) in the middle of sending an
eBulletin to 300 members, or a member's confirmation of a place; a new worker and the beat sweeps
finish without second copies, and what may have arrived is left in doubt for a person."""

import collections
import signal
import time

import pytest
from django.urls import reverse

from base.models import Email
from base.tasks import sweep_outbox
from bulletins.audiences import fingerprint
from bulletins.models import Bulletin
from bulletins.tasks import sweep_bulletins
from events.models import Registration
from tests.bulletins.conftest import add_section, copies, make_bulletin, subscribe, unfinished
from tests.events.conftest import make_event
from tests.factories import MemberFactory, ProfileFactory
from tests.resources.conftest import make_resource
from tests.workers import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

READERS = 300
BATCH = 50
# A dead worker's claim is taken over after this many seconds of no sign of life.
CLAIM_TIMEOUT = 2


def test_a_bulletin_interrupted_by_a_killed_worker_reaches_everyone_once(
    client, curator, private_redis, workers, smtp_sink, settings
):
    readers = subscribe(*MemberFactory.create_batch(READERS))
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, resources=[make_resource("Run chart tool")])
    smtp_sink.mailbox.delay = 0.01  # slow enough that the kill lands in the middle
    # The copies are put in the outbox in batches when the curator sends (here, this process).
    settings.BULLETIN_BATCH_SIZE = BATCH
    for_workers = {"OUTBOX_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT)}
    first = workers(**for_workers)

    client.force_login(curator)
    response = client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
    )
    assert response.status_code == 302
    # Half-way through the third batch.
    assert smtp_sink.mailbox.wait_for(2 * BATCH + BATCH // 2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    stranded = unfinished(bulletin)
    assert 0 < stranded < READERS, "the worker died in the middle of the bulletin"

    workers(**for_workers)
    settings.OUTBOX_CLAIM_TIMEOUT = CLAIM_TIMEOUT
    # Had the worker died between taking a batch from the queue and claiming its rows, that
    # batch would be queued again once it had waited OUTBOX_LOST_AFTER (minutes in production;
    # seconds here).
    settings.OUTBOX_LOST_AFTER = 5

    def swept_and_done() -> bool:
        # Beat's ticks: the outbox takes the dead worker's claim over once it has gone quiet for
        # long enough; the bulletins' sweep marks the bulletin sent once nothing waits.
        sweep_outbox()
        sweep_bulletins()
        return unfinished(bulletin) == 0

    assert wait_until(swept_and_done, seconds=120)
    assert wait_until(lambda: Bulletin.objects.get(pk=bulletin.pk).status == Bulletin.Status.SENT)
    received = collections.Counter(smtp_sink.mailbox.recipients())

    assert max(received.values()) == 1, "nobody was sent the bulletin twice"
    # The one message being handed to the SMTP server at the moment of the kill may or may not
    # have arrived: it is marked in doubt for a curator rather than sent again.
    in_doubt = {
        copy.recipient.email
        for copy in copies(bulletin)
        .filter(status=Email.Status.IN_DOUBT)
        .select_related("recipient")
    }
    assert len(in_doubt) <= 1
    assert copies(bulletin).count() == READERS
    assert copies(bulletin).filter(status=Email.Status.SENT).count() + len(in_doubt) == READERS
    everyone = {reader.email for reader in readers}
    assert set(received) | in_doubt == everyone, "nobody was missed"
    assert set(received) <= everyone
    sent = copies(bulletin).filter(status=Email.Status.SENT).select_related("recipient")
    assert {copy.recipient.email for copy in sent} <= set(received)


@pytest.mark.parametrize("dies", ["before handing over", "while handing over"])
def test_a_confirmation_interrupted_by_a_killed_worker_goes_once_or_is_left_in_doubt(
    client, coordinator, private_redis, workers, smtp_sink, settings, dies
):
    event = make_event(coordinator, "Measuring for improvement")
    attendee = ProfileFactory(member__name="Aileen Attendee").member
    smtp_sink.mailbox.delay = 2
    first = workers()

    client.force_login(attendee)
    assert client.post(reverse("events:register", args=[event.slug])).status_code == 302
    assert Registration.objects.get(member=attendee).status == Registration.Status.CONFIRMED
    email = Email.objects.get(kind="events.confirmation")

    def now() -> Email:
        return Email.objects.get(pk=email.pk)

    if dies == "before handing over":
        assert wait_until(lambda: now().status == Email.Status.SENDING, seconds=60)
    else:
        assert wait_until(lambda: now().handed_over_at is not None, seconds=60)
        time.sleep(1)  # the mail server is taking it
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    smtp_sink.mailbox.delay = 0

    workers()
    settings.OUTBOX_CLAIM_TIMEOUT = CLAIM_TIMEOUT

    def swept_and_settled() -> bool:
        # Beat's tick: the dead worker's claim is taken over once it has gone quiet long enough.
        sweep_outbox()
        return now().status in {Email.Status.SENT, Email.Status.IN_DOUBT}

    assert wait_until(swept_and_settled, seconds=60), now().status
    time.sleep(3)  # time for a second copy, were there one
    received = smtp_sink.mailbox.recipients()
    ended = now()

    assert received.count(attendee.email) <= 1, "never a second copy"
    if ended.status == Email.Status.SENT:
        assert received == [attendee.email]
    else:
        # It may have arrived: an admin sees it in the outbox and decides.
        assert ended.error == "Interrupted while sending: it may have arrived."
    if dies == "while handing over":
        assert ended.status == Email.Status.IN_DOUBT and received == [attendee.email]
