"""A member finds a masterclass series from the events list, chooses sessions (one of them
full), then registers for the rest of the series."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from events.models import Registration, Series
from events.services import registration_create
from tests.e2e.conftest import sign_in
from tests.events.conftest import make_event
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_member_registers_for_chosen_sessions_then_the_whole_series(
    live_server, page, coordinator, accessibility_violations
):
    member = ProfileFactory(member__name="Sam Series").member
    series = Series.objects.create(
        title="Measurement masterclasses",
        slug="measurement-masterclasses",
        kind=Series.Kind.MASTERCLASS,
        summary="Three sessions on measuring improvement.",
        organiser=coordinator,
        visibility=Series.Visibility.PUBLIC,
    )
    titles = ["Run charts", "Control charts", "Measures that matter"]
    sessions = [
        make_event(
            coordinator,
            title,
            starts_in=timedelta(days=7 * number),
            series=series,
            capacity=1 if number == 2 else 30,
        )
        for number, title in enumerate(titles, start=1)
    ]
    registration_create(event=sessions[1], member=ProfileFactory().member)

    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}/events/")
    page.get_by_role("link", name="Measurement masterclasses").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Measurement masterclasses")
    expect(page.get_by_role("row", name="Control charts")).to_contain_text("Full")
    assert accessibility_violations(page) == []

    # Nothing ticked: the page says so next to the boxes.
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one session")
    assert accessibility_violations(page) == []

    sessions_group = page.get_by_role("group", name="Or choose sessions")
    sessions_group.locator("label", has_text="Run charts").click()
    sessions_group.locator("label", has_text="Control charts").click()
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your registration for Measurement masterclasses"
    )
    expect(page.get_by_text("Place confirmed")).to_be_visible()
    expect(page.get_by_text("This session is full")).to_be_visible()
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Back to Measurement masterclasses").click()
    expect(page.get_by_role("row", name="Run charts")).to_contain_text("Place confirmed")
    expect(page.get_by_role("row", name="Control charts")).to_contain_text("On the waiting list")
    page.get_by_role("button", name="Register for the whole series").click()
    expect(page.get_by_text("Already registered")).to_have_count(2)
    expect(page.get_by_text("Place confirmed")).to_have_count(1)

    statuses = [
        Registration.objects.get(event=session, member=member).status for session in sessions
    ]
    assert statuses == ["confirmed", "waiting", "confirmed"]

    # Each session is still its own: its page says which of the series it is.
    page.goto(live_server.url + sessions[2].get_absolute_url())
    expect(page.get_by_text("Part of the series")).to_contain_text("(session 3 of 3)")
