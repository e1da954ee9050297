"""Who sees, runs and names what about an event: a secret community's events are run by its
own moderators, and a host or organiser is named only to those who may see them."""

import pytest
from django.urls import reverse

from communities.models import Community, Membership
from events.models import Event, Registration
from events.services import feed_for
from members.models import Profile
from tests.events.conftest import make_event
from tests.events.test_review_cases import edit_data
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet(db):
    return Community.objects.create(
        name="Quiet Leaders", slug="quiet-leaders", purpose="Peer support.", privacy="secret"
    )


@pytest.fixture
def quiet_moderator(quiet):
    moderator = ProfileFactory(member__name="Mhairi Moderator").member
    Membership.objects.create(community=quiet, member=moderator, role="moderator")
    return moderator


@pytest.fixture
def retreat(quiet, quiet_moderator):
    return make_event(quiet_moderator, title="Quiet leaders retreat", community=quiet)


RUN_PAGES = ["events:edit", "events:attendees"]


def test_a_coordinator_outside_a_secret_community_cannot_reach_its_events(
    client, coordinator, retreat
):
    client.force_login(coordinator)

    answers = {
        name: client.get(reverse(name, args=[retreat.slug])).status_code for name in RUN_PAGES
    }
    csv = client.get(reverse("events:attendees", args=[retreat.slug]), {"format": "csv"})
    message = client.post(reverse("events:message", args=[retreat.slug]), {"message": "Hello"})

    assert client.get(retreat.get_absolute_url()).status_code == 404
    assert answers == {"events:edit": 404, "events:attendees": 404}
    assert csv.status_code == 404 and b"@example.org" not in csv.content
    assert message.status_code == 404


def test_a_secret_communitys_moderator_runs_its_events(client, quiet_moderator, retreat):
    client.force_login(quiet_moderator)

    answers = {
        name: client.get(reverse(name, args=[retreat.slug])).status_code for name in RUN_PAGES
    }

    assert answers == {"events:edit": 200, "events:attendees": 200}


@pytest.mark.parametrize("editor", ["moderator", "admin"])
def test_saving_the_edit_form_unchanged_keeps_a_secret_host(
    client, quiet, quiet_moderator, admin_member, retreat, editor
):
    client.force_login({"moderator": quiet_moderator, "admin": admin_member}[editor])

    response = client.post(
        reverse("events:edit", args=[retreat.slug]), edit_data(retreat, community=quiet.pk)
    )

    assert response.status_code == 302
    retreat.refresh_from_db()
    assert retreat.community == quiet


def test_a_moderator_creates_events_for_their_own_community_only(client, quiet, quiet_moderator):
    client.force_login(quiet_moderator)
    form = client.get(reverse("events:create")).content.decode()
    data = {
        "kind": "community_meeting",
        "title": "Quiet leaders catch-up",
        "summary": "An hour together.",
        "starts_at": "2031-03-04T10:00",
        "ends_at": "2031-03-04T11:00",
        "format": "online",
        "joining_link": "https://meet.example.org/quiet",
        "visibility": "members",
    }

    without_host = client.post(reverse("events:create"), data)
    with_host = client.post(reverse("events:create"), {**data, "community": quiet.pk})

    assert "Quiet Leaders" in form and "No hosting community" not in form
    assert "Choose the community that hosts the event." in without_host.content.decode()
    assert with_host.status_code == 302
    assert Event.objects.get(title="Quiet leaders catch-up").community == quiet


def test_a_member_who_moderates_nothing_cannot_create_events(client, member):
    client.force_login(member)

    assert client.get(reverse("events:create")).status_code == 403


# --- names ------------------------------------------------------------------------------------


def test_a_closed_community_hosting_a_public_event_is_named_to_members_only(
    client, coordinator, member
):
    closed = Community.objects.create(
        name="Ward Managers", slug="ward-managers", purpose="Managers talk.", privacy="closed"
    )
    event = make_event(coordinator, title="Open evening", community=closed)
    pages = [event.get_absolute_url(), "/events/", "/"]

    for_visitors = [client.get(page).content.decode() for page in pages]
    client.force_login(member)
    for_members = [client.get(page).content.decode() for page in pages]

    assert all("Open evening" in page for page in for_visitors)
    assert not any("Ward Managers" in page for page in for_visitors)
    assert all("Ward Managers" in page for page in for_members[:2])


@pytest.mark.parametrize(
    ("visibility", "named_to_visitors"),
    [(Profile.Visibility.MEMBERS, False), (Profile.Visibility.PUBLIC, True)],
)
def test_an_organiser_is_named_only_to_those_who_may_see_their_profile(
    client, member, visibility, named_to_visitors
):
    organiser = ProfileFactory(member__name="Orla Organiser", visibility=visibility).member
    event = make_event(organiser, title="Open evening")

    visitor_page = client.get(event.get_absolute_url()).content.decode()
    client.force_login(member)
    member_page = client.get(event.get_absolute_url()).content.decode()

    assert ("Orla Organiser" in visitor_page) is named_to_visitors
    assert "Orla Organiser" in member_page


def test_a_member_who_left_a_secret_community_loses_its_event_from_their_calendar(
    client, quiet, quiet_moderator, retreat
):
    leaver = ProfileFactory(member__name="Lee Leaver").member
    Membership.objects.create(community=quiet, member=leaver)
    Registration.objects.create(event=retreat, member=leaver, status="confirmed")
    feed = f"/events/feed/{feed_for(leaver).token}.ics"
    assert "Quiet leaders retreat" in client.get(feed).content.decode()

    Membership.objects.filter(member=leaver).delete()

    assert "Quiet leaders retreat" not in client.get(feed).content.decode()


def test_an_open_communitys_moderator_does_not_run_events_others_organise_there(
    client, coordinator
):
    """Moderators are appointed by moderators: hosting a national event must not open its
    attendees' addresses to them."""
    founder = ProfileFactory(member__name="Fay Founder").member
    forum = Community.objects.create(name="Falls forum", slug="falls-forum", purpose="Falls.")
    Membership.objects.create(community=forum, member=founder, role="moderator")
    webinar = make_event(coordinator, title="National falls webinar", community=forum)
    own = make_event(founder, title="Forum meet-up", community=forum)
    client.force_login(founder)

    answers = {
        event.title: [
            client.get(reverse(name, args=[event.slug])).status_code for name in RUN_PAGES
        ]
        for event in (webinar, own)
    }

    assert answers == {"National falls webinar": [403, 403], "Forum meet-up": [200, 200]}


def test_an_organiser_who_stepped_down_keeps_their_events_host_when_saving(client):
    organiser = ProfileFactory(member__name="Olwen Organiser").member
    forum = Community.objects.create(name="Falls forum", slug="falls-forum", purpose="Falls.")
    Membership.objects.create(community=forum, member=organiser, role="moderator")
    meetup = make_event(organiser, title="Forum meet-up", community=forum)
    Membership.objects.filter(member=organiser).update(role="member")
    client.force_login(organiser)

    response = client.post(
        reverse("events:edit", args=[meetup.slug]), edit_data(meetup, title="Forum meet-up, moved")
    )

    assert response.status_code == 302
    meetup.refresh_from_db()
    assert (meetup.title, meetup.community) == ("Forum meet-up, moved", forum)
