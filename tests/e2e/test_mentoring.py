"""A mentee asks for a mentor, chooses the top suggestion, and the pair start meeting."""

import pytest
from playwright.sync_api import expect

from mentoring.models import MentoringRequest
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory, TopicFactory
from tests.mentoring.conftest import make_mentor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def without_scripts(browser):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def ask_about_frailty(page, live_server, mentee) -> None:
    sign_in(page, live_server, mentee)
    page.goto(f"{live_server.url}/mentoring/request/")
    page.get_by_label("What do you want to achieve?").fill("Lead my first frailty project.")
    page.get_by_role("group", name="Areas you want help with").locator(
        "label", has_text="Frailty"
    ).click()
    page.get_by_role("button", name="Show suggested mentors").click()


def test_choosing_on_the_cards_works_without_scripts(live_server, without_scripts):
    frailty = TopicFactory(name="Frailty", slug="frailty")
    mentee = ProfileFactory(member__name="Mina Mentee").member
    make_mentor("Aileen Arthur", areas=[frailty])
    make_mentor("Brodie Baxter", areas=[frailty])

    ask_about_frailty(without_scripts, live_server, mentee)
    without_scripts.get_by_role("button", name="Ask first: Brodie Baxter").click()

    expect(without_scripts.locator("#your-choices")).to_contain_text("First choice Brodie Baxter")
    without_scripts.get_by_role("button", name="Send my requests").click()
    expect(
        without_scripts.get_by_text("Your request has gone to your first choice.")
    ).to_be_visible()


def test_a_mentee_chooses_on_the_mentors_cards_and_sees_weak_matches_apart(
    live_server, page, accessibility_violations
):
    frailty = TopicFactory(name="Frailty", slug="frailty")
    mentee = ProfileFactory(member__name="Mina Mentee").member
    mentors = {
        name: make_mentor(name, areas=[frailty])
        for name in ("Aileen Arthur", "Brodie Baxter", "Cara Cowan", "Dougie Dunn")
    }
    make_mentor("Wendy Weak", areas=[TopicFactory(name="Dementia", slug="dementia")], capacity=3)

    ask_about_frailty(page, live_server, mentee)

    main = page.get_by_role("main")
    matches = page.locator("ol").filter(has_text="Aileen Arthur")
    expect(matches).not_to_contain_text("Wendy Weak")
    headings = main.get_by_role("heading", level=2).all_inner_texts()
    assert headings == ["Your choices", "Best fits first", "Other mentors with free places"]
    expect(page.locator("li", has_text="Wendy Weak")).to_contain_text("3 places free")
    assert accessibility_violations(page) == []

    page.get_by_role("button", name="Ask second: Cara Cowan").click()
    page.get_by_role("button", name="Ask first: Dougie Dunn").click()
    # Back at the card chosen from, which says so.
    assert page.url.endswith(f"#mentor-{mentors['Dougie Dunn'].pk}")
    expect(page.locator("li", has_text="Dougie Dunn")).to_contain_text("Your first choice")
    choices = page.locator("#your-choices")
    expect(choices).to_contain_text("First choice Dougie Dunn")
    expect(choices).to_contain_text("Second choice Cara Cowan")
    expect(choices).to_contain_text("Third choice Not chosen")
    page.get_by_role("button", name="Ask third: Wendy Weak").click()
    choices.get_by_role("button", name="Remove Cara Cowan").click()
    expect(choices).to_contain_text("Second choice Not chosen")
    expect(choices).to_contain_text("Third choice Wendy Weak")
    assert accessibility_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path="test-results/mentoring-choices.png", full_page=True)

    choices.get_by_role("button", name="Send my requests").click()
    expect(page.get_by_text("Your request has gone to your first choice.")).to_be_visible()
    request = MentoringRequest.objects.get(mentee=mentee)
    assert [approach.mentor.name for approach in request.approaches.all()] == [
        "Dougie Dunn",
        "Wendy Weak",
    ]


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
    first.get_by_role("button", name="Ask first").click()
    page.get_by_role("button", name="Send my requests").click()
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
