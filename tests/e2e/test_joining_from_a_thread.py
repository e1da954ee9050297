"""A member joins an open community from one of its threads and is back at the thread."""

import re

import pytest
from playwright.sync_api import expect

from communities.models import Community
from communities.services import community_create, thread_start
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_joining_from_a_thread_comes_back_to_the_thread(
    live_server, page, accessibility_violations
):
    moderator = ProfileFactory(member__name="Moira Moderator").member
    newcomer = ProfileFactory(member__name="Nina Newcomer").member
    community = community_create(
        founder=moderator,
        community=Community(
            name="Falls leads",
            slug="falls-leads",
            privacy="open",
            purpose="Leads of falls prevention work.",
        ),
    )
    thread = thread_start(
        community=community, author=moderator, title="Huddle boards", body="Who uses one?"
    )

    sign_in(page, live_server, newcomer)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")
    page.get_by_role("button", name="Join the community to reply").click()

    expect(page.get_by_text("Welcome to Falls leads.")).to_be_visible()
    expect(page.get_by_role("button", name="Post your reply")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(thread.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Huddle boards")
    assert accessibility_violations(page) == []
