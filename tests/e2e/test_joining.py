"""A new visitor joins the network in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_visitor_joins_confirms_their_address_and_lands_signed_in(
    live_server, page, mailoutbox, accessibility_violations
):
    page.goto(live_server.url)
    assert accessibility_violations(page) == []

    page.get_by_role("main").get_by_role("link", name="Join the network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the network")
    page.get_by_label("Full name").fill("Ruaridh Sutherland")
    page.get_by_label("E-mail address").fill("ruaridh.sutherland@example.org")
    page.get_by_label("Password", exact=True).fill("delayed-discharge-2026")
    page.get_by_label("Password again").fill("delayed-discharge-2026")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)

    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_test_id("signed-in-name")).to_have_text("Ruaridh Sutherland")
    # The first landing is the profile form, with how complete the profile is.
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the network")
    assert page.url.endswith("/members/me/edit/?welcome=1")
    expect(
        page.locator("summary", has_text=re.compile(r"Your profile is \d+% complete"))
    ).to_be_visible()
    assert accessibility_violations(page) == []
    page.screenshot(path="test-results/first-landing.png", full_page=True)


def test_joining_on_the_way_to_a_page_starts_on_the_profile_form_then_goes_on_there(
    live_server, page, mailoutbox, accessibility_violations
):
    page.goto(f"{live_server.url}/mentoring/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("main").get_by_role("link", name="Join the network").click()
    page.get_by_label("Full name").fill("Iona Munro")
    page.get_by_label("E-mail address").fill("iona.munro@example.org")
    page.get_by_label("Password", exact=True).fill("frailty-at-the-front-door")
    page.get_by_label("Password again").fill("frailty-at-the-front-door")
    page.get_by_role("button", name="Create account").click()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the network")
    page.get_by_label("Job title").fill("Occupational therapist")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    assert page.url == f"{live_server.url}/mentoring/"
    assert accessibility_violations(page) == []


def test_confirming_on_another_device_says_to_sign_in_there_and_leads_to_the_profile_form(
    live_server, page, browser, mailoutbox, accessibility_violations
):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Full name").fill("Catriona Ogilvie")
    page.get_by_label("E-mail address").fill("catriona.ogilvie@example.org")
    page.get_by_label("Password", exact=True).fill("care-at-home-2026")
    page.get_by_label("Password again").fill("care-at-home-2026")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        on_phone = phone.new_page()
        on_phone.goto(link)
        # The page promises only what happens here: signed in if this is where they joined.
        expect(on_phone.get_by_role("main")).not_to_contain_text("and you will be signed in")
        expect(on_phone.get_by_role("main")).to_contain_text(
            "Joined on another device or browser? Then you sign in next"
        )
        assert accessibility_violations(on_phone) == []
        on_phone.screenshot(path="test-results/confirm-other-device.png", full_page=True)
        on_phone.get_by_role("button", name="Confirm").click()

        expect(on_phone.get_by_role("heading", level=1)).to_have_text("Sign in")
        expect(on_phone.get_by_role("main")).to_contain_text(
            "Your e-mail address is confirmed. Sign in to carry on."
        )
        assert accessibility_violations(on_phone) == []
        on_phone.screenshot(path="test-results/confirmed-sign-in.png", full_page=True)
        on_phone.get_by_label("E-mail address").fill("catriona.ogilvie@example.org")
        on_phone.get_by_label("Password").fill("care-at-home-2026")
        on_phone.get_by_role("button", name="Sign in").click()
        expect(on_phone.get_by_role("heading", level=1)).to_have_text("Welcome to the network")
    finally:
        phone.close()


def test_a_form_with_mistakes_leads_with_an_error_summary_that_takes_focus(
    live_server, page, accessibility_violations
):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("E-mail address").fill("not-an-address")
    page.get_by_role("button", name="Create account").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    assert page.title().startswith("Error: ")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_name")).to_be_focused()
    assert accessibility_violations(page) == []
