"""What cannot be undone is asked on a page of its own first: closing a mentoring relationship,
removing a post. Driven by the keyboard alone."""

import pytest
from playwright.sync_api import expect

from communities.models import Community, Post
from communities.services import community_create, reply_create, thread_start
from mentoring.models import Match, MentoringRequest
from tests.e2e.conftest import sign_in, tab_to
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_closing_a_relationship_asks_first(live_server, page, accessibility_violations, tmp_path):
    mentor = ProfileFactory(member__name="Morag Mentor").member
    mentee = ProfileFactory(member__name="Mina Mentee").member
    match = Match.objects.create(
        request=MentoringRequest.objects.create(mentee=mentee, goals="Lead a huddle."),
        mentor=mentor,
        mentee=mentee,
        goals="Lead a huddle.",
    )
    sign_in(page, live_server, mentee)
    page.goto(f"{live_server.url}{match.get_absolute_url()}")

    tab_to(page, "Close this relationship")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to close your mentoring with Morag Mentor?"
    )
    assert accessibility_violations(page) == []
    page.screenshot(path=tmp_path / "close.png", full_page=True)

    # "No, go back" changes nothing.
    tab_to(page, "No, go back")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mentoring")
    match.refresh_from_db()
    assert match.status == Match.Status.ACTIVE

    tab_to(page, "Close this relationship")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure")
    tab_to(page, "Yes, close the relationship")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The relationship is closed. Tell us how it went.")).to_be_visible()
    match.refresh_from_db()
    assert match.status == Match.Status.CLOSED


def test_removing_a_post_asks_first(live_server, page, accessibility_violations, tmp_path):
    moderator = ProfileFactory(member__name="Moira Moderator").member
    poster = ProfileFactory(member__name="Pat Poster").member
    community = community_create(
        founder=moderator,
        community=Community(name="Huddle Leads", slug="huddle-leads", purpose="Huddles."),
    )
    community.memberships.create(member=poster)
    thread = thread_start(community=community, author=moderator, title="Safety huddles", body="Go.")
    post = reply_create(thread=thread, author=poster, body="Buy my miracle cure.")
    sign_in(page, live_server, moderator)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")

    tab_to(page, "Remove the post by Pat Poster")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to remove the post by Pat Poster?"
    )
    assert accessibility_violations(page) == []
    page.screenshot(path=tmp_path / "remove.png", full_page=True)
    post.refresh_from_db()
    assert post.state == Post.State.VISIBLE

    tab_to(page, "Yes, remove the post")
    page.keyboard.press("Enter")
    expect(page.get_by_text("This post was removed by a moderator.")).to_be_visible()
    expect(page.get_by_text("Buy my miracle cure.")).to_have_count(0)
