"""A member shares a story of change; a coordinator publishes it; visitors read it from the home
page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_story_of_change_goes_from_a_member_to_the_home_page(
    live_server, page, coordinator, accessibility_violations
):
    teller = ProfileFactory(member__name="Isla Munro").member

    sign_in(page, live_server, teller)
    page.goto(f"{live_server.url}/insights/")
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Share a story of change").click()
    page.get_by_label("A title for your story").fill("Home from hospital a day sooner")
    page.get_by_label("What did you change?").fill(
        "A social worker joined the morning board round."
    )
    page.get_by_label("Where?").fill("Midlothian Health and Social Care Partnership")
    page.get_by_label("What happened as a result?").fill(
        "People went home a day sooner on average."
    )
    page.locator("label", has_text="Cooperative structures").click()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Send my story").click()
    expect(page.get_by_text("A coordinator will read it before it is published.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/insights/stories/review/")
    page.get_by_role("link", name="Home from hospital a day sooner").click()
    page.get_by_role("button", name="Publish the story").click()
    expect(page.get_by_text("The story is published.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Home from hospital a day sooner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home from hospital a day sooner")
    assert accessibility_violations(page) == []
