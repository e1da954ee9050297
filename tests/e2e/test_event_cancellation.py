"""A coordinator cancels an event; the member registered for it finds it cancelled."""

import pytest
from playwright.sync_api import expect

from events.services import registration_create
from network.celery import app as celery_app
from tests.e2e.conftest import sign_in
from tests.events.calendars import calendar_in, only_event
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.mail import send_queued

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_coordinator_cancels_an_event_with_a_message(
    live_server, page, coordinator, mailoutbox, accessibility_violations
):
    event = make_event(coordinator, "Measuring flow on wards", capacity=20)
    attendee = ProfileFactory(member__name="Fiona Attendee").member
    registration_create(event=event, member=attendee)
    celery_app.control.purge()
    send_queued()
    mailoutbox.clear()

    sign_in(page, live_server, coordinator)
    page.goto(live_server.url + event.get_absolute_url())
    page.get_by_role("link", name="Cancel the event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel the event")
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert accessibility_violations(page) == []

    # Without a reason nothing happens: the page asks for one.
    page.get_by_role("button", name="Yes, cancel the event").click()
    expect(page.get_by_role("link", name="Say why the event is cancelled.")).to_be_visible()
    assert accessibility_violations(page) == []

    page.get_by_label("Why is the event cancelled?").fill(
        "Our speaker is unwell; we will run it again in the spring."
    )
    page.get_by_role("button", name="Yes, cancel the event").click()
    expect(page.get_by_text("The event is cancelled. We are e-mailing 1 person.")).to_be_visible()
    expect(page.get_by_role("heading", name="This event has been cancelled")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel the event")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit the event")).to_have_count(0)
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    # The worker's part, here in the test.
    celery_app.control.purge()
    assert str(send_queued(kind="events.event_cancelled")) == "1 sent"
    (message,) = mailoutbox
    assert message.to == [attendee.email]
    part, calendar = calendar_in(message)
    assert part.get_param("method") == "CANCEL"
    assert only_event(calendar)["STATUS"] == "CANCELLED"

    sign_in(page, live_server, attendee)
    page.goto(live_server.url + event.get_absolute_url())
    expect(page.get_by_text("we will run it again in the spring")).to_be_visible()
    expect(
        page.get_by_text("This event has been cancelled, and your place with it.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Cancel my place")).to_have_count(0)
