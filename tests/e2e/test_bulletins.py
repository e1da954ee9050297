"""A curator publishes a resource, puts it in a bulletin and sends it; a member receives it by
e-mail (a real worker, a real SMTP server) and unsubscribes with one click."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from members.models import Profile
from resources.models import Resource
from tests.bulletins.conftest import subscribe
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_curator_sends_a_bulletin_and_a_member_unsubscribes_in_one_click(
    live_server, page, curator, accessibility_violations
):
    reader = ProfileFactory(member__name="Rhona Reid").member
    subscribe(reader)

    sign_in(page, live_server, curator)
    page.goto(f"{live_server.url}/resources/new/")
    page.get_by_label("Title").fill("Huddle board template")
    page.get_by_label("Type").select_option(label="Template")
    page.get_by_label("Summary").fill("How our ward runs a ten-minute safety huddle.")
    page.get_by_label("Web address").fill("https://example.org/huddle-board")
    page.get_by_role("group", name="Status").locator("label", has_text="Published").click()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Save the resource").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Huddle board template")
    assert Resource.objects.get().status == Resource.Status.PUBLISHED
    assert accessibility_violations(page) == []
    page.goto(f"{live_server.url}/resources/?q=huddle")
    expect(page.get_by_role("link", name="Huddle board template")).to_be_visible()
    assert accessibility_violations(page) == []

    page.goto(f"{live_server.url}/bulletins/new/")
    page.get_by_label("Title").fill("eBulletin: January 2027")
    page.get_by_label("Introduction").fill("Welcome to the new year's first bulletin.")
    page.get_by_role("button", name="Save and add sections").click()
    page.get_by_role("link", name="Add a section").click()
    page.get_by_label("Heading").fill("New in the library")
    page.locator("label", has_text="Huddle board template").click()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Save the section").click()
    expect(page.locator(".network-bulletin-preview")).to_contain_text("Huddle board template")
    assert accessibility_violations(page) == []

    with SmtpSink() as sink:
        worker = start_worker(
            EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port)
        )
        try:
            page.get_by_text("Send it now").click()
            page.get_by_role("button", name="Send or schedule the bulletin").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Send to 1 member?")
            page.get_by_role("button", name="Yes, send it").click()
            expect(page.get_by_text("The bulletin is on its way to 1 member.")).to_be_visible()
            # The progress panel refreshes itself until the send is done.
            expect(page.get_by_role("heading", name="Sent", exact=True)).to_be_visible(
                timeout=60_000
            )
            assert sink.mailbox.wait_for(1)
        finally:
            stop_worker(worker)
    email = sink.mailbox.messages()[0]
    assert email["To"] == reader.email
    body = email.get_body(("plain",)).get_content()
    assert "Dear Rhona," in body and "Huddle board template" in body
    unsubscribe_path = urlsplit(re.search(r"<([^>]+)>", email["List-Unsubscribe"]).group(1)).path
    page.reload()
    assert accessibility_violations(page) == []  # the sent bulletin, as its curator sees it
    page.get_by_role("button", name="Sign out").click()

    # The member follows the link in the e-mail: no sign-in, one button.
    page.goto(f"{live_server.url}{unsubscribe_path}")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Stop sending me the eBulletin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You will not receive the eBulletin")
    assert not Profile.objects.get(member=reader).receives_bulletin
