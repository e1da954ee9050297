"""At the door, on phones: two of the event's team check people in by name and by QR code.

A camera cannot run in a headless browser: the scanner's part is the form its script submits
with the code it read, submitted here as the script does."""

import re

import pytest
from playwright.sync_api import expect

from events.models import Event, Registration
from events.services import check_in_url, registration_create
from tests.e2e.conftest import sign_in
from tests.events.conftest import make_event
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phones(browser):
    """A new phone-sized browser each time it is called, each with its own sign-in."""
    contexts = []

    def phone():
        contexts.append(browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True))
        return contexts[-1].new_page()

    yield phone
    for context in contexts:
        context.close()


def test_checking_people_in_at_the_door_on_a_phone(
    live_server, phones, coordinator, accessibility_violations
):
    organiser = ProfileFactory(member__name="Oona Organiser").member
    event = make_event(organiser, "Flow in emergency departments", format=Event.Format.IN_PERSON)
    registration_create(event=event, member=ProfileFactory(member__name="Fiona MacLeod").member)
    hamish = registration_create(
        event=event, member=ProfileFactory(member__name="Hamish Grant").member
    )
    check_in = f"{live_server.url}/events/{event.slug}/check-in/"
    refused = []

    # The organiser at the front door, the coordinator at the side door.
    front, side = phones(), phones()
    for door in (front, side):
        door.on(
            "console",
            lambda message: (
                refused.append(message.text)
                if "Content Security Policy" in message.text or "Permissions-Policy" in message.text
                else None
            ),
        )
    sign_in(front, live_server, organiser)
    sign_in(side, live_server, coordinator)
    side.goto(check_in)
    front.goto(check_in)
    expect(front.get_by_text("0 of 2")).to_be_visible()
    expect(front.get_by_role("button", name="Scan a QR code")).to_be_visible()
    assert accessibility_violations(front) == []

    # Part of a name, and the list narrows as it is typed.
    front.get_by_label("Name").press_sequentially("macl")
    expect(front.get_by_text("1 person found")).to_be_visible()
    expect(front.get_by_text("Hamish Grant")).to_have_count(0)
    front.get_by_role("button", name="Check in Fiona MacLeod").tap()
    banner = front.get_by_role("status").filter(has_text="Fiona MacLeod is checked in.")
    expect(banner).to_be_visible()
    expect(front.get_by_text("1 of 2")).to_be_visible()
    expect(front.get_by_text(re.compile(r"Checked in at \d\d:\d\d"))).to_be_visible()
    assert accessibility_violations(front) == []

    # The side door's list was read before: a tap there checks nobody in twice.
    side.get_by_role("button", name="Check in Fiona MacLeod").tap()
    expect(
        side.get_by_role("status").filter(
            has_text=re.compile(r"Fiona MacLeod was already checked in at \d\d:\d\d\.")
        )
    ).to_be_visible()
    expect(side.get_by_text("1 of 2")).to_be_visible()

    # Hamish shows the QR code of his confirmation; the scanner sends what it read.
    front.goto(check_in)
    front.locator("[data-scan-form] input[name=code]").evaluate(
        "(field, code) => { field.value = code; }", check_in_url(hamish)
    )
    front.locator("[data-scan-form]").evaluate("form => form.submit()")
    expect(
        front.get_by_role("status").filter(has_text="Hamish Grant is checked in.")
    ).to_be_visible()
    expect(front.get_by_text("2 of 2")).to_be_visible()
    assert accessibility_violations(front) == []

    checked = Registration.objects.filter(event=event).order_by("member__name")
    assert [(r.member.name, r.checked_in_by.name) for r in checked] == [
        ("Fiona MacLeod", "Oona Organiser"),
        ("Hamish Grant", "Oona Organiser"),
    ]
    assert refused == [], "the page's script and scanner run under the site's policies"
