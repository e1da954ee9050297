import json

import pytest
from django.urls import reverse

from events.models import Registration
from events.services import registration_create
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db


def test_a_profile_shows_events_only_if_the_member_allows(client, webinar, attendee, member):
    registration_create(event=webinar, member=attendee)
    profile_url = reverse("members:profile", args=[attendee.profile.slug])
    client.force_login(member)

    assert "Run charts in an hour" in client.get(profile_url).content.decode()
    attendee.profile.show_events = False
    attendee.profile.save()
    assert "Run charts in an hour" not in client.get(profile_url).content.decode()


def test_my_page_and_my_export_hold_my_events(client, webinar, attendee):
    registration_create(event=webinar, member=attendee)
    client.force_login(attendee)

    assert "Run charts in an hour" in client.get(reverse("members:me")).content.decode()
    export = json.loads(client.get(reverse("members:export")).content)
    assert export["events"][0]["event"] == "Run charts in an hour"
    assert export["events"][0]["status"] == "Place confirmed"


def test_closing_an_account_frees_its_place_for_the_waiting_list(client, masterclass, attendee):
    waiting = ProfileFactory().member
    registration_create(event=masterclass, member=attendee)
    registration_create(event=masterclass, member=waiting)
    client.force_login(attendee)

    client.post(reverse("members:delete"), {"password": PASSWORD})

    assert Registration.objects.get(member=waiting).status == Registration.Status.OFFERED
