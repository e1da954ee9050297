"""What the eBulletin shows to whom: a bulletin carries only what every recipient may see."""

import pytest
from django.urls import reverse

from bulletins import services
from communities.models import Community, Membership
from events.models import Event
from tests.bulletins.conftest import add_section, make_bulletin, send_all, subscribe
from tests.events.conftest import make_event
from tests.factories import MemberFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_event(coordinator):
    quiet = Community.objects.create(
        name="Quiet Leaders", slug="quiet-leaders", purpose="Peer support.", privacy="secret"
    )
    moderator = ProfileFactory(member__name="Mhairi Moderator").member
    Membership.objects.create(community=quiet, member=moderator, role="moderator")
    return make_event(coordinator, title="Quiet leaders retreat", community=quiet)


def test_a_curator_is_not_offered_a_secret_communitys_event_for_a_section(
    client, curator, secret_event
):
    make_event(secret_event.organiser, title="Open masterclass")
    bulletin = make_bulletin(author=curator)
    client.force_login(curator)

    form = client.get(reverse("bulletins:section_create", args=[bulletin.slug])).content.decode()
    tampered = client.post(
        reverse("bulletins:section_create", args=[bulletin.slug]),
        {"heading": "Coming up", "events": [secret_event.pk], "position": 1},
    )

    assert "Open masterclass" in form and "Quiet leaders retreat" not in form
    assert tampered.status_code == 200 and "Select a valid choice" in tampered.content.decode()
    assert not bulletin.sections.exists()


def test_the_snapshot_checks_the_picks_again_when_the_bulletin_goes(
    client, curator, coordinator, smtp_sink
):
    event = make_event(coordinator, title="Leaders retreat")
    bulletin = make_bulletin(author=curator)
    section = add_section(bulletin, "Coming up", text="Dates for the diary.")
    section.events.set([event])
    # After it was picked, the event moves to a secret community.
    quiet = Community.objects.create(
        name="Quiet Leaders", slug="quiet-leaders", purpose="Peer support.", privacy="secret"
    )
    Event.objects.filter(pk=event.pk).update(community=quiet)
    reader = subscribe(MemberFactory(name="Rhona Reid"))[0]

    services.bulletin_send(bulletin=bulletin)
    send_all(bulletin)
    archive = client.get(bulletin.get_absolute_url()).content.decode()
    client.force_login(reader)
    archive_for_members = client.get(bulletin.get_absolute_url()).content.decode()

    mail = smtp_sink.messages()[0]
    assert "Leaders retreat" not in mail.get_body(("plain",)).get_content()
    assert "Leaders retreat" not in mail.get_body(("html",)).get_content()
    assert "Leaders retreat" not in archive and "Leaders retreat" not in archive_for_members
    assert "Dates for the diary." in archive


def test_a_closed_community_in_a_bulletin_is_for_members_only(client, curator, member):
    closed = Community.objects.create(
        name="Ward Managers", slug="ward-managers", purpose="Managers talk.", privacy="closed"
    )
    bulletin = make_bulletin(author=curator)
    section = add_section(bulletin, "Communities")
    section.communities.set([closed])
    members_event = make_event(
        curator, title="Members' evening", visibility=Event.Visibility.MEMBERS
    )
    section.events.set([members_event])
    services.bulletin_send(bulletin=bulletin)

    visitor_page = client.get(bulletin.get_absolute_url()).content.decode()
    client.force_login(member)
    member_page = client.get(bulletin.get_absolute_url()).content.decode()

    assert "Ward Managers" not in visitor_page and "Members&#x27; evening" not in visitor_page
    assert "Ward Managers" in member_page and "Members&#x27; evening" in member_page
