"""The events list's plain summaries, and the event page's facts at its top."""

import pytest
from playwright.sync_api import expect

from events.models import Registration
from tests.e2e.conftest import sign_in
from tests.events.conftest import make_event
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_events_list_shows_summaries_as_plain_words(live_server, page, coordinator):
    make_event(
        coordinator,
        title="Measures that matter",
        summary="Choosing **measures that matter**.\n\nIt includes:\n\n- a one-page overview\n"
        "- worked examples",
    )

    page.goto(f"{live_server.url}/events/")

    summary = page.locator(".ds_search-result__summary").first
    expect(summary).to_have_text(
        "Choosing measures that matter. It includes: a one-page overview; worked examples."
    )


def test_the_event_page_shows_when_where_and_the_members_place_at_the_top(
    live_server, page, coordinator, accessibility_violations
):
    member = ProfileFactory(member__name="Fiona First").member
    event = make_event(coordinator, title="Frailty at the front door", capacity=10)
    Registration.objects.create(event=event, member=member, status="confirmed")

    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    facts = page.locator(".ds_summary-list")
    expect(facts).to_contain_text("When")
    expect(facts).to_contain_text("Online")
    expect(facts).to_contain_text("9 of 10 places left")
    expect(facts).to_contain_text("once your place is confirmed")
    expect(page.get_by_role("link", name="Join the event online")).to_have_count(0)

    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    expect(facts.locator("li", has_text="Your place")).to_contain_text("Confirmed")
    expect(facts.get_by_role("link", name="Join the event online")).to_have_attribute(
        "href", "https://meet.example.org/secret-room"
    )
    assert accessibility_violations(page) == []
