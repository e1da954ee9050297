"""Edges found in review: fairness of the queue, moved events, tampered input, secrets."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from communities.services import community_create
from events.models import Registration
from events.services import registration_create
from members.roles import COORDINATORS
from tests.factories import MemberFactory, ProfileFactory, give_second_factor

pytestmark = pytest.mark.django_db


def edit_data(event, **changes):
    local = timezone.localtime
    data = {
        "kind": event.kind,
        "title": event.title,
        "summary": event.summary,
        "starts_at": local(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "format": event.format,
        "joining_link": event.joining_link,
        "visibility": event.visibility,
        "capacity": event.capacity or "",
    }
    data.update(changes)
    return data


def test_more_places_go_to_those_waiting_and_newcomers_queue_behind(
    client, coordinator, masterclass, attendee
):
    waiting = ProfileFactory().member
    registration_create(event=masterclass, member=attendee)
    registration_create(event=masterclass, member=waiting)
    client.force_login(coordinator)

    client.post(reverse("events:edit", args=[masterclass.slug]), edit_data(masterclass, capacity=3))

    assert Registration.objects.get(member=waiting).status == Registration.Status.OFFERED
    newcomer = registration_create(event=masterclass, member=ProfileFactory().member)
    assert newcomer.status == Registration.Status.CONFIRMED  # the queue is empty again

    Registration.objects.filter(member=waiting).update(status="waiting")
    late = registration_create(event=masterclass, member=ProfileFactory().member)
    assert late.status == Registration.Status.WAITING, "nobody jumps a waiting queue"


def test_moving_an_event_tells_registrants_and_resets_their_reminders(
    client, coordinator, webinar, attendee
):
    registration_create(event=webinar, member=attendee)
    Registration.objects.update(day_reminder_sent_at=timezone.now())
    client.force_login(coordinator)
    later = timezone.localtime(webinar.starts_at + timedelta(days=7))

    client.post(
        reverse("events:edit", args=[webinar.slug]),
        edit_data(
            webinar,
            starts_at=later.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(later + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert Registration.objects.get().day_reminder_sent_at is None
    assert attendee.notifications.get(kind="event_changed")
    webinar.refresh_from_db()
    assert webinar.sequence == 1
    assert b"SEQUENCE:1" in client.get(reverse("events:calendar", args=[webinar.slug])).content


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        (
            {"registration_opens_at": "2099-01-01T10:00"},
            "registration_opens_at",
            "Registration must open before the start.",
        ),
        ({"starts_at": "yesterday"}, "starts_at", "Enter a date and time"),
    ],
)
def test_impossible_settings_are_refused_beside_the_field(
    client, coordinator, webinar, changes, field, message
):
    client.force_login(coordinator)

    response = client.post(
        reverse("events:edit", args=[webinar.slug]), edit_data(webinar, **changes)
    )

    page = response.content.decode()
    assert f'id="id_{field}_error"' in page and message in page


def test_only_a_secret_communitys_moderators_are_offered_it_as_a_host(client, coordinator):
    founder = MemberFactory(name="Fiona Founder")
    founder.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])
    give_second_factor(founder)
    community_create(
        founder=founder,
        community=Community(
            name="Board Leads", slug="board-leads", privacy="secret", purpose="Peer support."
        ),
    )

    client.force_login(coordinator)
    outside = client.get(reverse("events:create")).content.decode()
    client.force_login(founder)
    inside = client.get(reverse("events:create")).content.decode()

    assert "Board Leads" not in outside
    assert "Board Leads" in inside


def test_attendee_page_mistakes_are_shown_beside_the_field(client, coordinator, webinar):
    client.force_login(coordinator)

    long_message = client.post(
        reverse("events:message", args=[webinar.slug]), {"message": "x" * 300}
    )
    unknown = client.post(
        reverse("events:add_attendee", args=[webinar.slug]), {"email": "nobody@example.org"}
    )

    assert 'id="id_message_error"' in long_message.content.decode()
    assert "x" * 300 in long_message.content.decode()
    assert "No member of the network uses that e-mail address." in unknown.content.decode()
    assert 'id="id_email_error"' in unknown.content.decode()


def test_only_confirmed_places_are_checked_in(client, coordinator, masterclass, attendee):
    waiting = ProfileFactory().member
    registration_create(event=masterclass, member=attendee)
    registration_create(event=masterclass, member=waiting)
    client.force_login(coordinator)

    client.post(
        reverse("events:attendees", args=[masterclass.slug]),
        {"registration": Registration.objects.get(member=waiting).pk, "attended": "yes"},
    )

    assert not Registration.objects.get(member=waiting).attended


@pytest.mark.parametrize("token", ["%00x", "short", "a" * 200])
def test_a_tampered_calendar_address_is_not_found(client, token):
    assert client.get(f"/events/feed/{token}.ics").status_code == 404


def test_slides_wait_for_the_end_of_the_event(client, coordinator, webinar, attendee, settings):
    from django.core.files.base import ContentFile

    webinar.slides.save("slides.pdf", ContentFile(b"%PDF-1.4 test"))
    client.force_login(attendee)

    assert client.get(reverse("events:slides", args=[webinar.slug])).status_code == 404
    webinar.starts_at -= timedelta(days=30)
    webinar.ends_at -= timedelta(days=30)
    webinar.save()
    assert client.get(reverse("events:slides", args=[webinar.slug])).status_code == 200
