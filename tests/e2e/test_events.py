"""A coordinator creates a one-place masterclass; the waiting list works as members expect."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Registration
from network.celery import app as celery_app
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory
from tests.mail import send_queued

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_place_freed_by_a_cancellation_is_offered_and_claimed(
    live_server, page, coordinator, mailoutbox, accessibility_violations
):
    first = ProfileFactory(member__name="Fiona First").member
    second = ProfileFactory(member__name="Sandy Second").member
    starts = timezone.localtime() + timedelta(days=14)

    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/events/new/")
    page.get_by_role("group", name="Type").locator("label", has_text="Masterclass").click()
    page.get_by_label("Title").fill("Frailty at the front door")
    page.get_by_label("Summary").fill("Practical tools for spotting frailty in A&E.")
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Ends").fill(starts.strftime("%Y-%m-%dT12:00"))
    page.get_by_role("group", name="Format").locator("label", has_text="Online").click()
    page.get_by_label("Joining link").fill("https://meet.example.org/frailty")
    page.get_by_label("Capacity").fill("1")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Publish the event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Frailty at the front door")
    event_url = page.url
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, first)
    page.goto(event_url)
    expect(page.get_by_text("1 of 1 place left")).to_be_visible()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Your place is confirmed.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, second)
    page.goto(event_url)
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_text("you are on the waiting list")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, first)
    page.goto(event_url)
    page.get_by_role("button", name="Cancel my place").click()
    expect(page.get_by_text("You are no longer registered for this event.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The worker's part, here in the test: the offer e-mail queued by the cancellation.
    celery_app.control.purge()
    assert Registration.objects.get(member=second).status == Registration.Status.OFFERED
    assert str(send_queued(kind="events.offer")) == "1 sent"
    claim_link = re.search(r"http\S+/claim/\d+/", mailoutbox[-1].body).group(0)

    sign_in(page, live_server, second)
    page.goto(live_server.url + urlsplit(claim_link).path)
    page.get_by_role("button", name="Claim my place").click()
    expect(page.get_by_text("The place is yours.")).to_be_visible()
    expect(page.get_by_role("link", name="Join the event online")).to_be_visible()
