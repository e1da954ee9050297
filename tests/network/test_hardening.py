"""What the browser is told about every page (policy headers), and sessions after a password change."""

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from communities.services import thread_start
from tests.communities.conftest import make_community
from tests.e2e.conftest import sign_in
from tests.events.conftest import make_event
from tests.factories import PASSWORD, MemberFactory, ProfileFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/search/?q=care"])
def test_every_page_forbids_inline_script_framing_and_sniffing(client, path):
    response = client.get(path, follow=True)

    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    features = dict(
        part.strip().split("=", 1) for part in response.headers["Permissions-Policy"].split(",")
    )
    for unused in ["camera", "microphone", "geolocation", "payment", "usb", "serial"]:
        assert features[unused] == "()", f"{unused} is off for the site and anything it frames"


def test_a_password_change_signs_out_every_other_session_but_this_one():
    member = MemberFactory()
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert device.login(email=member.email, password=PASSWORD)

    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-ward-round-2026",
            "password2": "a-new-ward-round-2026",
        },
    )

    assert response.status_code == 302
    assert laptop.get(reverse("members:me")).status_code == 200
    assert phone.get(reverse("members:me")).status_code == 302, "the phone's session has ended"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_and_their_interactions_run_under_the_policy(live_server, page, admin_member):
    """No page needs anything the policy refuses: the browser reports no violation, and the
    interactive parts (search suggestions, the design system's menus) still work. The browser
    knows every feature the permissions policy turns off, and does turn them off."""
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text
            else None
        ),
    )
    ProfileFactory(member__name="Duncan Reid", job_title="Dementia nurse")
    community = make_community(admin_member, "Frailty leads")
    thread = thread_start(
        community=community, author=admin_member, title="Ward rounds", body="**Who** comes?"
    )
    guide = make_resource("Falls guide", summary="Read *this* first.")
    masterclass = make_event(admin_member, title="Run charts masterclass")

    sign_in(page, live_server, admin_member)
    for path in [
        "/",
        "/members/",
        "/communities/",
        thread.get_absolute_url(),
        "/events/",
        masterclass.get_absolute_url(),
        "/resources/",
        guide.get_absolute_url(),
        "/mentoring/",
        "/insights/",
        "/admin/",
        "/admin/members/user/",
        f"/admin/members/user/{admin_member.pk}/change/",
    ]:
        page.goto(f"{live_server.url}{path}")
    page.goto(f"{live_server.url}/")
    page.get_by_role("combobox", name="Search the network").fill("Dunc")
    expect(page.get_by_role("option", name="Duncan Reid")).to_be_visible()

    assert refused == [], "the browser refused nothing and knew every feature the policy names"
    for unused in ["camera", "microphone", "geolocation", "payment", "usb"]:
        assert page.evaluate(f"document.featurePolicy.allowsFeature('{unused}')") is False, unused


def test_a_library_pdf_may_use_the_browsers_own_viewer(client):
    from django.core.files.base import ContentFile

    guide = make_resource("Falls guide")
    guide.file.save("falls-guide.pdf", ContentFile(b"%PDF-1.4 falls guide"))

    response = client.get(reverse("resources:file", args=[guide.slug]))

    assert response.status_code == 200
    assert "object-src 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_admin_has_no_sign_in_of_its_own_to_guess_passwords_at(client, admin_member):
    """Its sign-in is the members' page, rate limited: five wrong guesses close it too."""
    posted = client.post(
        "/admin/login/", {"username": admin_member.email, "password": PASSWORD}, follow=False
    )
    assert posted.status_code == 302
    assert posted["Location"].startswith(reverse("account_login"))
    assert client.get("/admin/").status_code == 302, "posting there signed nobody in"

    for _ in range(5):
        client.post(reverse("account_login"), {"login": admin_member.email, "password": "guess"})
    response = client.post(
        reverse("account_login"), {"login": admin_member.email, "password": PASSWORD}
    )

    assert "Too many failed attempts to sign in" in response.content.decode()
    assert client.get("/admin/").status_code == 302
