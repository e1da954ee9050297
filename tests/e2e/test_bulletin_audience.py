"""A curator sends a bulletin to the members of one region: the compose page counts them, a
page of its own asks before anything goes, and only they receive it (a real worker, a real SMTP
server)."""

import pytest
from playwright.sync_api import expect

from bulletins.models import Bulletin
from members.models import Region
from tests.bulletins.conftest import subscribe
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_curator_sends_a_bulletin_to_one_region_after_confirming(
    live_server, page, curator, accessibility_violations
):
    north = [
        ProfileFactory(member__name=name, region=Region.NORTH).member
        for name in ("Ailsa Grant", "Iain Munro")
    ]
    subscribe(*north, ProfileFactory(member__name="Ewan Scott", region=Region.EAST).member)

    sign_in(page, live_server, curator)
    page.goto(f"{live_server.url}/bulletins/new/")
    page.get_by_label("Title").fill("North news: January 2027")
    page.get_by_label("Introduction").fill("What the North's teams are working on.")
    page.get_by_role("button", name="Save and add sections").click()
    expect(page.locator("#audience-count")).to_contain_text("This bulletin will go to 3 members")

    page.get_by_role("group", name="Regions").locator("label", has_text="North").click()
    # The count follows the tick at once; the button saves it too, as it does without scripts.
    expect(page.locator("#audience-count")).to_contain_text("This bulletin will go to 2 members")
    page.get_by_role("button", name="Save the audience and count again").click()
    expect(page.locator("#audience-count")).to_contain_text(
        "This bulletin will go to 2 members: members in the North region."
    )
    assert accessibility_violations(page) == []

    with SmtpSink() as sink:
        worker = start_worker(
            EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink.port)
        )
        try:
            page.get_by_text("Send it now").click()
            page.get_by_role("button", name="Send or schedule the bulletin").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Send to 2 members?")
            expect(page.get_by_text("This cannot be undone.")).to_be_visible()
            expect(page.locator("main")).to_contain_text("members in the North region")
            assert accessibility_violations(page) == []
            assert Bulletin.objects.get().status == Bulletin.Status.DRAFT

            page.get_by_role("button", name="Yes, send it").click()
            expect(page.get_by_text("The bulletin is on its way to 2 members.")).to_be_visible()
            expect(page.get_by_role("heading", name="Sent", exact=True)).to_be_visible(
                timeout=60_000
            )
            assert sink.mailbox.wait_for(2)
        finally:
            stop_worker(worker)
    assert sorted(sink.mailbox.recipients()) == sorted(person.email for person in north)
    assert accessibility_violations(page) == []


def test_a_tick_that_cannot_be_saved_shows_its_message_next_to_the_field(
    live_server, page, curator
):
    from communities.models import Community
    from tests.bulletins.conftest import add_section, make_bulletin

    circle = Community.objects.create(name="Circle", slug="circle", purpose="p", privacy="closed")
    bulletin = make_bulletin("Circle news", author=curator)
    add_section(bulletin, text="News.")
    sign_in(page, live_server, curator)
    page.goto(f"{live_server.url}{bulletin.get_absolute_url()}")
    page.get_by_role("group", name="Members of these communities").locator(
        "label", has_text="Circle"
    ).click()
    expect(page.locator("#audience-count")).to_contain_text("who belong to Circle")

    circle.delete()  # closed down meanwhile, its box still ticked on the page
    page.get_by_role("group", name="Regions").locator("label", has_text="North").click()

    expect(page.locator("#id_audience_communities_error")).to_contain_text("Select a valid choice")
    assert Bulletin.objects.get(pk=bulletin.pk).audience_regions == []  # nothing half-saved
