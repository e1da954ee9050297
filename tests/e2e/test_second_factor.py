"""Staff set up a second factor in a real browser, and sign in with it after: a coordinator an
authenticator app, a curator a security key."""

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from members.roles import COORDINATORS, CURATORS
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


def a_security_key_plugged_in(page) -> None:
    """Chromium's virtual authenticator: a key that answers when touched, as a real one would."""
    browser = page.context.new_cdp_session(page)
    browser.send("WebAuthn.enable")
    browser.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_curator_adds_a_security_key_and_signs_in_with_a_touch(
    live_server, page, mailoutbox, accessibility_violations
):
    curator = ProfileFactory(
        member__name="Fraser Lindsay", member__email="fraser.lindsay@example.org"
    ).member
    curator.groups.add(Group.objects.get_or_create(name=CURATORS)[0])
    a_security_key_plugged_in(page)

    sign_in_with_password(page, live_server, curator.email, "/resources/review/")
    page.get_by_role("link", name="Add a security key or passkey instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a security key or passkey")
    assert accessibility_violations(page) == []
    page.get_by_label("A name for the key").fill("Blue key")
    page.get_by_role("button", name="Add the key").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert Authenticator.objects.get(user=curator, type="webauthn").wrap().name == "Blue key"
    page.get_by_role("link", name="I have saved my codes: continue").click()
    expect(page).to_have_url(re.compile(r"/resources/review/$"))
    (notice,) = [message for message in mailoutbox if message.to == [curator.email]]
    assert "A security key was added to your account" in notice.subject

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(page, live_server, curator.email, "/resources/review/")
    expect(
        page.get_by_role("heading", level=2, name="Or use a security key or passkey")
    ).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Use a security key").click()

    expect(page).to_have_url(re.compile(r"/resources/review/$"))
    expect(page.get_by_test_id("signed-in-name")).to_have_text("Fraser Lindsay")
