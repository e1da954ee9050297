"""Another member's things are never reached by changing a number or a token in the address, and
a refused write changes nothing. The outsider below is a signed-in member with every reason to try:
they know the address pattern from their own pages."""

from datetime import date

import pytest
from django.urls import reverse

from communities.models import Membership
from communities.services import thread_start
from events.models import CalendarFeed, Registration
from members.models import Notification
from mentoring.models import Match, Meeting, MentoringRequest
from tests.communities.conftest import join, make_community
from tests.events.conftest import make_event
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    mentee = ProfileFactory(member__name="Mina Mentee").member
    mentor = ProfileFactory(member__name="Morag Mentor").member
    request = MentoringRequest.objects.create(mentee=mentee, goals="Lead a QI project.")
    return Match.objects.create(request=request, mentor=mentor, mentee=mentee, goals="Lead it.")


def test_someone_elses_mentoring_notes_are_not_found_nor_written(client, outsider, pair):
    Meeting.objects.create(
        match=pair, met_on=date(2026, 11, 2), notes="Confidential worries", logged_by=pair.mentee
    )
    client.force_login(outsider)
    address = reverse("mentoring:match", args=[pair.pk])

    page = client.get(address)
    written = client.post(
        address, {"action": "meeting", "met_on": "2026-11-20", "notes": "Planted note"}
    )

    assert page.status_code == 404
    assert b"Confidential worries" not in page.content
    assert written.status_code == 404
    assert list(pair.meetings.values_list("notes", flat=True)) == ["Confidential worries"]


def test_someone_elses_mentoring_request_is_not_found(client, outsider, pair):
    client.force_login(outsider)

    response = client.get(reverse("mentoring:request", args=[pair.request.pk]))

    assert response.status_code == 404


def test_a_place_offered_to_someone_else_cannot_be_claimed(client, coordinator, outsider):
    event = make_event(coordinator, title="Masterclass", capacity=1)
    waiting = ProfileFactory(member__name="Wendy Waiting").member
    offered = Registration.objects.create(
        event=event, member=waiting, status=Registration.Status.OFFERED
    )
    client.force_login(outsider)
    address = reverse("events:claim", args=[event.slug, offered.pk])

    assert client.get(address).status_code == 404
    assert client.post(address).status_code == 404
    offered.refresh_from_db()
    assert offered.status == Registration.Status.OFFERED
    assert not Registration.objects.filter(event=event, member=outsider).exists()


def test_a_calendar_feed_opens_only_with_its_own_secret(client, coordinator, member):
    event = make_event(coordinator, title="Masterclass")
    Registration.objects.create(event=event, member=member, status=Registration.Status.CONFIRMED)
    feed = CalendarFeed.objects.create(member=member)
    guessed = feed.token[:-1] + ("a" if feed.token[-1] != "a" else "b")

    assert client.get(reverse("events:feed", args=[feed.token])).status_code == 200
    assert client.get(reverse("events:feed", args=[guessed])).status_code == 404
    assert client.get("/events/feed/..%2F..%2Fetc%2Fpasswd.ics").status_code == 404


def test_marking_notifications_read_touches_only_ones_own(client, member, outsider):
    theirs = Notification.objects.create(recipient=member, kind="mention", message="You were named")
    Notification.objects.create(recipient=outsider, kind="mention", message="Yours")
    client.force_login(outsider)

    client.post(reverse("members:notifications_read"), {"notification": theirs.pk})

    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert b"You were named" not in client.get(reverse("members:notifications")).content


def test_the_data_export_is_always_ones_own(client, member, outsider):
    ProfileFactory(member=member, bio="Private note about my caring role")
    ProfileFactory(member=outsider)
    client.force_login(outsider)

    export = client.get(reverse("members:export"), {"member": member.pk, "id": member.pk})

    assert export.status_code == 200
    assert b"Private note about my caring role" not in export.content
    assert outsider.email.encode() in export.content


def test_a_moderator_of_one_community_cannot_appoint_in_another(client, member, outsider):
    theirs = make_community(member, "Dementia leads")
    mine = make_community(outsider, "Falls group")
    colleague = ProfileFactory(member__name="Col League").member
    join(theirs, colleague)
    join(mine, colleague)
    client.force_login(outsider)

    response = client.post(
        reverse("communities:moderator", args=[theirs.slug, colleague.pk]), {"appoint": "yes"}
    )

    assert response.status_code in {403, 404}
    assert Membership.objects.get(community=theirs, member=colleague).role == "member"


def test_a_thread_is_not_read_through_another_communitys_address(client, member, outsider):
    closed = make_community(member, "Board leads", privacy="closed")
    open_one = make_community(outsider, "Open group")
    thread = thread_start(community=closed, author=member, title="Budget cuts", body="Private")
    client.force_login(outsider)

    response = client.get(reverse("communities:thread", args=[open_one.slug, thread.pk]))

    assert response.status_code == 404
    assert b"Budget cuts" not in response.content
