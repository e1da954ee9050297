"""A cancelled event's e-mails, sent by a real Celery worker on Redis to a real SMTP server."""

import collections
import time

import pytest

from base.models import Email
from events.models import Registration
from events.services import event_cancel, registration_create
from tests.events.calendars import calendar_in, only_event
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.workers import wait_until, worker_for
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import stop_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_everyone_registered_receives_one_cancellation_with_the_calendar_cancel(coordinator):
    event = make_event(coordinator, "Huddles that work", capacity=2)
    confirmed = [ProfileFactory().member for _ in range(2)]
    waiting = [ProfileFactory().member for _ in range(2)]
    for member in [*confirmed, *waiting]:
        registration_create(event=event, member=member)

    with SmtpSink() as sink:
        worker = worker_for(sink)
        try:
            # The confirmations first, so the cancellations are all that come next.
            assert sink.mailbox.wait_for(2)
            sink.mailbox.clear()
            event_cancel(event=event, canceller=coordinator, message="The room flooded.")
            assert sink.mailbox.wait_for(4)
            assert wait_until(
                lambda: (
                    not Email.objects.filter(
                        kind="events.event_cancelled", status__in=["queued", "sending"]
                    ).exists()
                )
            )
            time.sleep(1)  # time for a second copy, were there one
        finally:
            stop_worker(worker)
        received = sink.mailbox.messages()

    assert collections.Counter(message["To"] for message in received) == collections.Counter(
        member.email for member in [*confirmed, *waiting]
    )
    for message in received:
        assert message["Subject"] == "[Improvement Network] Cancelled: Huddles that work"
        assert "The room flooded." in message.get_body(preferencelist=("plain",)).get_content()
        part, calendar = calendar_in(message)
        assert part.get_param("method") == "CANCEL"
        assert calendar["METHOD"] == "CANCEL"
        entry = only_event(calendar)
        assert entry["STATUS"] == "CANCELLED"
        assert entry["UID"].startswith(f"event-{event.pk}@")
        assert entry["SEQUENCE"] == 1
    # Nothing about the places changed: the calendars keep the event, marked cancelled.
    assert Registration.objects.filter(event=event, status="confirmed").count() == 2
