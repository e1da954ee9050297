"""A newcomer signs in with their organisation's account in a real browser, against a real
OpenID Connect provider on 127.0.0.1, and lands signed in with a pre-filled profile."""

import re
from importlib import import_module

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings as django_settings
from playwright.sync_api import expect

from members.models import Profile
from tests.factories import OrganisationFactory
from tests.oidc import provider_running, use_providers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def left_signed_in_for_a_while(page) -> None:
    """The browser stays signed in for longer than a sign-in counts as having just shown who is
    there (members.adapter: five minutes)."""
    cookie = next(
        c for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    )
    session = import_module(django_settings.SESSION_ENGINE).SessionStore(
        session_key=cookie["value"]
    )
    for record in session.get(AUTHENTICATION_METHODS_SESSION_KEY, []):
        record["at"] -= 60 * 60
    session.save()


@pytest.fixture
def provider(settings, live_server):
    OrganisationFactory(name="NHS Example", slug="nhs-example", kind="health_board")
    # The provider sends the browser back to SITE_URL's address: here, the live server's.
    settings.SITE_URL = live_server.url
    with provider_running() as running:
        use_providers(settings, running.config(organisation="nhs-example"))
        yield running


def test_a_newcomer_signs_in_with_their_organisation_and_lands_on_a_prefilled_profile(
    live_server, page, provider, accessibility_violations, mailoutbox
):
    provider.person(
        "ailsa.brodie",
        email="ailsa.brodie@example.nhs.scot",
        email_verified=True,
        name="Ailsa Brodie",
        job_title="Falls prevention lead",
        amr=["pwd", "mfa"],
    )
    page.goto(f"{live_server.url}/accounts/login/")
    expect(
        page.get_by_role("heading", name="Sign in with your organisation's account")
    ).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_label("Your work e-mail address").fill("ailsa.brodie@example.nhs.scot")
    page.get_by_role("button", name="Sign in with your organisation").click()

    # The provider's own sign-in page.
    page.wait_for_url(f"{provider.url}/oauth2/authorize*")
    page.locator("input[name=sub]").fill("ailsa.brodie")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Join the network")
    expect(page.get_by_label("Full name")).to_have_value("Ailsa Brodie")
    expect(page.get_by_label("E-mail address")).to_have_value("ailsa.brodie@example.nhs.scot")
    assert accessibility_violations(page) == []
    page.get_by_role("group", name="Who can see my profile").get_by_label(
        "Signed-in members only"
    ).check()
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_test_id("signed-in-name")).to_have_text("Ailsa Brodie")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the network")
    expect(page.get_by_label("Job title")).to_have_value("Falls prevention lead")
    expect(page.get_by_label("Organisation")).to_have_value(
        str(Profile.objects.get().organisation_id)
    )
    assert accessibility_violations(page) == []

    # Where the organisation account can be disconnected, once she has a password.
    page.goto(f"{live_server.url}/members/me/preferences/")
    expect(page.get_by_role("region", name="Organisation accounts")).to_contain_text(
        "Connected: NHS Example (ailsa.brodie@example.nhs.scot)"
    )
    expect(page.get_by_role("link", name="set a password")).to_be_visible()
    assert accessibility_violations(page) == []

    # Setting one, once the sign-in is no longer fresh: nobody else at this browser could,
    # without the code sent to her.
    left_signed_in_for_a_while(page)
    page.get_by_role("link", name="set a password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_text("We have sent a code to ailsa.brodie@example.nhs.scot")).to_be_visible()
    assert accessibility_violations(page) == []
    code = re.search(r"^([A-Z]{4}-[A-Z]{4})$", mailoutbox[-1].body, re.MULTILINE).group(1)
    page.get_by_label("Sign-in code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a password")
    page.get_by_label("Password", exact=True).fill("after-the-board-2027")
    page.get_by_label("Password (again)").fill("after-the-board-2027")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail and privacy preferences")


def test_a_refusal_is_explained_in_the_browser_and_no_account_is_made(
    live_server, page, provider, accessibility_violations
):
    provider.person("stray", email="stray@elsewhere.example.org", email_verified=True)
    page.goto(f"{live_server.url}/accounts/organisation/")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="NHS Example").click()
    page.locator("input[name=sub]").fill("stray")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are not signed in")
    expect(page.get_by_role("alert")).to_contain_text(
        "NHS Example signs in addresses ending @example.nhs.scot, but it sent "
        "stray@elsewhere.example.org"
    )
    assert accessibility_violations(page) == []
    assert not Profile.objects.exists()
