"""What the library shows to whom: suggestions turned down stay with their suggester and the
curators."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from base.models import AuditEntry
from resources.audit import Action as ResourceAction
from resources.models import Resource
from tests.factories import ProfileFactory
from tests.resources.conftest import make_resource

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


class AppsOfThatTime:
    """The models as the migration knew them: the audit log was then the project package's."""

    def get_model(self, app_label, model_name):
        if (app_label, model_name) == ("network", "AuditEntry"):
            return AuditEntry
        return django_apps.get_model(app_label, model_name)


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

    migration.mark_published_once(AppsOfThatTime(), None)

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
