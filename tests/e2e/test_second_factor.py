"""A coordinator sets up an authenticator app in a real browser, and signs in with it after."""

import re

import pyotp
import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from members.roles import COORDINATORS
from tests.factories import PASSWORD, ProfileFactory, recovery_codes

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in_with_password(page, live_server, email: str, wanted: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={wanted}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_coordinator_sets_up_an_authenticator_app_and_signs_in_with_it(
    live_server, page, mailoutbox, accessibility_violations
):
    coordinator = ProfileFactory(
        member__name="Iona Grant", member__email="iona.grant@example.org"
    ).member
    coordinator.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])

    sign_in_with_password(page, live_server, coordinator.email, "/mentoring/cohorts/")

    # Sent straight to the set-up, with the reason.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("region", name="Messages")).to_contain_text(
        "need a second factor to use their role"
    )
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    assert accessibility_violations(page) == []
    # The phone cannot scan a test's screen: the member types the key instead.
    page.get_by_text("I cannot scan the code").click()
    phone = pyotp.TOTP(page.locator("#authenticator-key").inner_text().strip())
    page.get_by_label("Code from your authenticator app").fill(phone.now())
    page.get_by_role("button", name="Turn on the second factor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    shown = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(shown).to_have_count(10)
    assert [code.strip() for code in shown.all_inner_texts()] == recovery_codes(coordinator)
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="I have saved my codes: continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mentoring cohorts")
    (notice,) = [message for message in mailoutbox if message.to == [coordinator.email]]
    assert "A second factor was added to your account" in notice.subject

    # The next sign-in asks for the code the app shows.
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(page, live_server, coordinator.email, "/mentoring/cohorts/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    assert accessibility_violations(page) == []
    wrong = f"{(int(phone.now()) + 1) % 1_000_000:06d}"
    page.get_by_label("Code from your authenticator app").fill(wrong)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#error-summary")).to_contain_text("That code is not right")

    page.get_by_label("Code from your authenticator app").fill(phone.now())
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mentoring cohorts")
    expect(page.get_by_test_id("signed-in-name")).to_have_text("Iona Grant")
    assert re.search(r"/mentoring/cohorts/$", page.url)
