"""The relationship page leads to the other person: their profile, their address."""

import pytest
from playwright.sync_api import expect

from mentoring.models import Match, MentoringRequest
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_relationship_page_leads_to_the_other_persons_profile_and_address(
    live_server, page, accessibility_violations
):
    mentor = ProfileFactory(member__name="Morag Mentor", slug="morag-mentor").member
    mentee = ProfileFactory(member__name="Mhairi Mentee", slug="mhairi-mentee").member
    request = MentoringRequest.objects.create(
        mentee=mentee, goals="Lead a falls huddle.", status=MentoringRequest.Status.MATCHED
    )
    match = Match.objects.create(
        request=request, mentor=mentor, mentee=mentee, goals="Lead a falls huddle."
    )

    sign_in(page, live_server, mentee)
    page.goto(f"{live_server.url}/mentoring/matches/{match.pk}/")

    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb.get_by_role("link", name="Mentoring")).to_be_visible()
    expect(page.get_by_role("link", name="Morag Mentor's profile")).to_have_attribute(
        "href", "/members/morag-mentor/"
    )
    expect(page.get_by_role("link", name=mentor.email)).to_have_attribute(
        "href", f"mailto:{mentor.email}"
    )
    assert accessibility_violations(page) == []

    # The mentee keeps their address to themselves: the mentor is told how to keep in touch.
    mentee.profile.email_visibility = "nobody"
    mentee.profile.save()
    page.context.clear_cookies()
    sign_in(page, live_server, mentor)
    page.goto(f"{live_server.url}/mentoring/matches/{match.pk}/")
    expect(
        page.get_by_text("Mhairi Mentee has chosen not to show their e-mail address")
    ).to_be_visible()
    assert mentee.email not in page.content()
