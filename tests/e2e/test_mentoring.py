"""A mentee asks for a mentor, chooses the top suggestion, and the pair start meeting."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory, TopicFactory
from tests.mentoring.conftest import make_mentor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_mentee_finds_a_mentor_who_accepts_and_both_log_a_meeting(
    live_server, page, accessibility_violations
):
    frailty = TopicFactory(name="Frailty", slug="frailty")
    mentee = ProfileFactory(member__name="Mina Mentee").member
    mentor = make_mentor("Morven Mentor", areas=[frailty], capacity=2)
    make_mentor("Other Mentor", areas=[TopicFactory(name="Dementia", slug="dementia")])

    sign_in(page, live_server, mentee)
    page.goto(f"{live_server.url}/mentoring/")
    page.get_by_role("link", name="Ask for a mentor").first.click()
    page.get_by_label("What do you want to achieve?").fill("Lead my first frailty project.")
    page.get_by_role("group", name="Areas you want help with").locator(
        "label", has_text="Frailty"
    ).click()
    page.get_by_role("button", name="Show suggested mentors").click()
    first = page.locator(".ds_search-result").first
    expect(first).to_contain_text("Morven Mentor")
    expect(first).to_contain_text("shares 1 of your 1 areas")
    assert accessibility_violations(page) == []
    page.get_by_label("First choice").select_option(label="Morven Mentor")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("Your request has gone to your first choice.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, mentor)
    page.goto(f"{live_server.url}/mentoring/")
    page.get_by_role("link", name="Mina Mentee").click()
    expect(page.get_by_text("Lead my first frailty project.")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Morven Mentor and Mina Mentee")
    page.get_by_label("Date of the meeting").fill("2026-11-20")
    page.get_by_label("Notes (only the two of you see them)").fill("Agreed a project charter.")
    page.get_by_role("button", name="Log the meeting").click()
    expect(page.get_by_text("Agreed a project charter.")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, mentee)
    page.goto(f"{live_server.url}/mentoring/")
    page.get_by_role("link", name="Mentored by Morven Mentor").click()
    expect(page.get_by_text("Agreed a project charter.")).to_be_visible()
    page.get_by_label("Date of the meeting").fill("2026-11-27")
    page.get_by_role("button", name="Log the meeting").click()
    expect(page.get_by_text("The meeting has been logged.")).to_be_visible()
