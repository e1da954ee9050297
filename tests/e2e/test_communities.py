"""A member joins a closed community, posts, and hears that a colleague mentioned them."""

import pytest
from playwright.sync_api import expect

from communities.models import Community
from communities.services import community_create
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_joining_a_closed_community_posting_and_being_mentioned(
    live_server, page, accessibility_violations
):
    moderator = ProfileFactory(member__name="Moira Moderator", slug="moira-moderator").member
    newcomer = ProfileFactory(member__name="Nina Newcomer", slug="nina-newcomer").member
    community_create(
        founder=moderator,
        community=Community(
            name="QI Coaches Circle",
            slug="qi-coaches-circle",
            privacy="closed",
            purpose="A safe space for improvement coaches to bring real coaching dilemmas.",
        ),
    )

    sign_in(page, live_server, newcomer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    page.get_by_label("Name or purpose").fill("coaching")
    page.get_by_role("button", name="Show communities").click()
    page.get_by_role("link", name="QI Coaches Circle").click()
    expect(
        page.get_by_text("Only members of this community can read its discussions.")
    ).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_label("Why would you like to join?").fill("I coach two ward teams in Fife.")
    page.get_by_role("button", name="Ask to join").click()
    expect(page.get_by_text("Your request has been sent to the moderators.")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, moderator)
    page.goto(f"{live_server.url}/communities/qi-coaches-circle/requests/")
    expect(page.get_by_text("I coach two ward teams in Fife.")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Approve Nina Newcomer").click()
    expect(page.get_by_text("Nina Newcomer's request approved.")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, newcomer)
    page.goto(f"{live_server.url}/communities/qi-coaches-circle/")
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("Coaching a reluctant team")
    page.get_by_label("Your message").fill("How do you start when a team did not ask for help?")
    page.get_by_role("button", name="Post the thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coaching a reluctant team")
    sign_out(page)

    sign_in(page, live_server, moderator)
    page.goto(f"{live_server.url}/communities/qi-coaches-circle/")
    page.get_by_role("link", name="Coaching a reluctant team").click()
    page.get_by_label("Your reply").fill("@nina-newcomer start by asking what worries them most.")
    page.get_by_role("button", name="Post your reply").click()
    expect(page.get_by_role("link", name="@Nina Newcomer")).to_be_visible()
    assert accessibility_violations(page) == []
    sign_out(page)

    sign_in(page, live_server, newcomer)
    expect(page.get_by_test_id("unread-count")).to_have_text("2 unread")  # approval, mention
    page.get_by_role("link", name="Notifications 2 unread").click()
    page.get_by_role(
        "link", name="Moira Moderator mentioned you in “Coaching a reluctant team”"
    ).click()
    expect(page.get_by_text("start by asking what worries them most.")).to_be_visible()
