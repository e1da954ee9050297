"""A service that finds nothing raises base.errors.NotFound, knowing nothing of web pages; the
middleware answers with the page not found, never an error page."""

import pytest
from django.urls import reverse

from base.errors import NotFound
from communities import services as community_services
from insights import services as insight_services
from insights.models import Story
from mentoring import services as mentoring_services
from mentoring.models import Match, MentoringRequest
from tests.communities.conftest import make_community
from tests.factories import ProfileFactory
from tests.insights.test_stories import make_story

pytestmark = pytest.mark.django_db


def someone():
    return ProfileFactory().member


def secret_community(viewer):
    community = make_community(someone(), "Board Improvement Leads", privacy="secret")
    return (
        lambda: community_services.community_for(viewer, community.slug),
        reverse("communities:detail", args=[community.slug]),
    )


def unpublished_story(viewer):
    story = make_story(someone(), status=Story.Status.SUBMITTED)
    return (
        lambda: insight_services.story_for(viewer, story.pk),
        reverse("insights:story", args=[story.pk]),
    )


def other_peoples_mentoring(viewer):
    mentee = someone()
    match = Match.objects.create(
        request=MentoringRequest.objects.create(mentee=mentee, goals="Spread the huddles."),
        mentor=someone(),
        mentee=mentee,
        goals="Spread the huddles.",
    )
    return (
        lambda: mentoring_services.match_for(viewer, match.pk),
        reverse("mentoring:match", args=[match.pk]),
    )


@pytest.mark.parametrize("hidden", [secret_community, unpublished_story, other_peoples_mentoring])
def test_what_a_service_does_not_find_is_the_page_not_found(client, member, settings, hidden):
    settings.DEBUG = False  # the page a member sees, not the debugging one
    ask_the_service, address = hidden(member)

    with pytest.raises(NotFound):
        ask_the_service()
    client.force_login(member)
    response = client.get(address)

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
