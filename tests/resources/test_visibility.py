"""What the library and the eBulletin show to whom: suggestions turned down stay with their
suggester and the curators, and a bulletin carries only what every recipient may see."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from base.models import AuditEntry
from communities.models import Community, Membership
from events.models import Event
from resources import services
from resources.audit import Action as ResourceAction
from resources.models import Resource
from tests.events.conftest import make_event
from tests.factories import MemberFactory, ProfileFactory
from tests.resources.conftest import add_section, make_bulletin, make_resource, subscribe
from tests.resources.test_bulletins import send_all

pytestmark = pytest.mark.django_db


# --- suggestions turned down ------------------------------------------------------------------


@pytest.fixture
def suggester(db):
    return ProfileFactory(member__name="Sorcha Suggester").member


@pytest.fixture
def turned_down(client, suggester, curator):
    """A member suggests a guide with a file; a curator archives it without publishing it."""
    client.force_login(suggester)
    client.post(
        "/resources/new/",
        {
            "title": "Ward huddle cards",
            "kind": "tool",
            "summary": "Cards for a ten-minute huddle.",
            "link": "https://example.org/huddle-cards",
            "audience": "public",
        },
    )
    resource = Resource.objects.get(title="Ward huddle cards")
    resource.file.save("cards.pdf", ContentFile(b"%PDF-1.4 cards"))
    client.force_login(curator)
    client.post(reverse("resources:curate", args=[resource.slug]), {"action": "archive"})
    client.logout()
    resource.refresh_from_db()
    assert resource.status == Resource.Status.ARCHIVED
    return resource


def test_a_suggestion_turned_down_is_hidden_from_everyone_but_its_suggester_and_curators(
    client, turned_down, suggester, curator, member
):
    page, file = turned_down.get_absolute_url(), reverse("resources:file", args=[turned_down.slug])

    answers = {}
    for name, person in [("visitor", None), ("member", member)]:
        client.logout()
        if person:
            client.force_login(person)
        answers[name] = (client.get(page).status_code, client.get(file).status_code)
    for name, person in [("suggester", suggester), ("curator", curator)]:
        client.force_login(person)
        answers[name] = (client.get(page).status_code, client.get(file).status_code)

    assert answers == {
        "visitor": (404, 404),
        "member": (404, 404),
        "suggester": (200, 200),
        "curator": (200, 200),
    }


def test_a_suggestion_turned_down_is_in_no_list_or_search(client, turned_down, member):
    client.force_login(member)

    for address in ["/resources/", "/resources/?q=huddle", "/search/?q=huddle", "/"]:
        assert "Ward huddle cards" not in client.get(address).content.decode(), address


def test_the_suggester_is_told_it_was_not_added(client, turned_down, suggester):
    client.force_login(suggester)

    page = client.get(turned_down.get_absolute_url()).content.decode()

    assert "This suggestion was not added to the library" in page


def test_a_resource_archived_after_it_was_published_keeps_its_address(client, curator, suggester):
    resource = make_resource("Huddle guide", suggested_at=timezone.now(), contributor=suggester)
    resource.status = Resource.Status.DRAFT
    resource.save()
    client.force_login(curator)
    for action in ("publish", "archive"):
        client.post(reverse("resources:curate", args=[resource.slug]), {"action": action})
    client.logout()

    assert client.get(resource.get_absolute_url()).status_code == 200


# --- bulletins --------------------------------------------------------------------------------


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

    form = client.get(reverse("resources:section_create", args=[bulletin.slug])).content.decode()
    tampered = client.post(
        reverse("resources:section_create", args=[bulletin.slug]),
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


def test_the_migration_tells_what_was_once_in_the_library(curator, suggester):
    """Before first_published_at: an archived resource was published if it has a date, and a
    member's suggestion only if the audit log shows a curator published it (members may type a
    date themselves)."""
    migration = importlib.import_module("resources.migrations.0004_resource_first_published_at")
    day = timezone.localdate()
    made = {
        "in the library": make_resource("Live guide"),
        "a curator's, archived": make_resource("Old curator guide", status="archived"),
        "a curator's draft, archived": make_resource(
            "Never out", status="archived", published_on=None
        ),
        "a suggestion published, then archived": make_resource(
            "Published idea", status="archived", suggested_at=timezone.now(), contributor=suggester
        ),
        "a suggestion turned down, dated by its suggester": make_resource(
            "Turned down idea",
            status="archived",
            suggested_at=timezone.now(),
            contributor=suggester,
        ),
    }
    AuditEntry.objects.create(
        actor=curator,
        action=ResourceAction.RESOURCE_CURATED,
        member=suggester,
        detail="Published: Published idea",
    )
    Resource.objects.update(first_published_at=None)
    # The suggester typed a date of their own: a date alone does not make it published.
    assert made["a suggestion turned down, dated by its suggester"].published_on == day

    migration.mark_published_once(django_apps, None)

    once = {
        name: Resource.objects.get(pk=resource.pk).first_published_at is not None
        for name, resource in made.items()
    }
    assert once == {
        "in the library": True,
        "a curator's, archived": True,
        "a curator's draft, archived": False,
        "a suggestion published, then archived": True,
        "a suggestion turned down, dated by its suggester": False,
    }
