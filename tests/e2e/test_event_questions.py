"""The event team asks a question; a member who skips it is told where, answers and registers;
the team reads the answer on the attendees page."""

import pytest
from playwright.sync_api import expect

from events.models import RegistrationQuestion
from tests.e2e.conftest import sign_in
from tests.events.conftest import make_event
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_required_question_is_asked_answered_and_read(
    live_server, page, coordinator, accessibility_violations
):
    event = make_event(coordinator, "Quality improvement day")
    RegistrationQuestion.objects.create(
        event=event, position=1, text="Do you have access or dietary needs?", kind="short_text"
    )
    member = ProfileFactory(member__name="Fiona First").member
    event_url = f"{live_server.url}{event.get_absolute_url()}"

    sign_in(page, live_server, coordinator)
    page.goto(event_url)
    page.get_by_role("link", name="Registration questions").click()
    page.get_by_label("Question", exact=True).fill("Which workshop would you like to join?")
    page.get_by_role("group", name="Type of answer").locator(
        "label", has_text="One of several choices"
    ).click()
    page.get_by_role("textbox", name="Choices").fill("Run charts\nDriver diagrams")
    page.locator("label", has_text="Members must answer it").click()
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("The question is added.")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, member)
    page.goto(event_url)
    page.get_by_label("Do you have access or dietary needs? (optional)").fill("Step-free access")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Register").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Choose your answer to")
    assert accessibility_violations(page) == []
    summary.get_by_role("link").click()
    page.locator("label", has_text="Driver diagrams").click()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Your place is confirmed.")).to_be_visible()
    expect(page.get_by_text("Step-free access")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, coordinator)
    page.goto(f"{event_url}attendees/")
    row = page.get_by_role("row", name="Fiona First")
    expect(row).to_contain_text("Driver diagrams")
    expect(row).to_contain_text("Step-free access")
    assert accessibility_violations(page) == []
