"""On a shared ward computer, no browser or proxy keeps a member's pages or any export."""

import pytest
from django.urls import reverse

from communities.services import thread_start
from events.services import feed_for, registration_create
from tests.communities.conftest import make_community
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


def kept_by_nobody(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def network(coordinator):
    community = make_community(coordinator, "Frailty leads")
    thread = thread_start(
        community=community, author=coordinator, title="Ward rounds", body="Who comes?"
    )
    event = make_event(coordinator, "Run charts masterclass")
    resource = make_resource("Falls guide")
    return community, thread, event, resource


def test_every_sampled_page_a_signed_in_member_sees_is_kept_by_nobody(
    client, coordinator, network, admin_member
):
    community, thread, event, resource = network
    profile = ProfileFactory(member__name="Duncan Reid", slug="duncan-reid")
    client.force_login(coordinator)

    for path in [
        "/",
        "/members/",
        "/members/me/",
        "/members/me/notifications/",
        "/members/me/preferences/",
        profile.get_absolute_url(),
        "/communities/",
        community.get_absolute_url(),
        thread.get_absolute_url(),
        "/events/",
        event.get_absolute_url(),
        reverse("events:attendees", args=[event.slug]),
        "/resources/",
        resource.get_absolute_url(),
        "/mentoring/",
        "/insights/",
        "/search/?q=falls",
        "/no-such-page/",
    ]:
        response = client.get(path)
        assert response.status_code in {200, 404}, path
        assert kept_by_nobody(response), f"{path}: {response.get('Cache-Control')}"
    client.force_login(admin_member)
    for path in ["/admin/", "/admin/members/user/"]:
        assert kept_by_nobody(client.get(path)), path


def test_every_export_is_kept_by_nobody_whoever_downloads_it(client, coordinator, network, member):
    _, _, event, _ = network
    registration_create(event=event, member=member)
    feed = feed_for(member)
    exports = {
        "a visitor's calendar file": (None, reverse("events:calendar", args=[event.slug])),
        "a personal calendar feed": (None, f"/events/feed/{feed.token}.ics"),
        "a member's calendar file": (member, reverse("events:calendar", args=[event.slug])),
        "a member's own data": (member, reverse("members:export")),
        "a measure's figures": (member, reverse("insights:measure_csv", args=["new-members"])),
        "reach against targets": (member, reverse("insights:reach_csv")),
        "an attendee list": (
            coordinator,
            reverse("events:attendees", args=[event.slug]) + "?format=csv",
        ),
    }

    for what, (who, path) in exports.items():
        client.logout()
        if who:
            client.force_login(who)
        response = client.get(path)
        assert response.status_code == 200, what
        assert kept_by_nobody(response), f"{what}: {response.get('Cache-Control')}"


def test_a_views_own_stricter_rule_is_kept(client, member):
    client.force_login(member)

    response = client.get("/health/")

    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store", "no-cache", "must-revalidate", "max-age=0"} <= directives


def test_a_members_photo_is_not_kept_either(client, member):
    from django.core.files.base import ContentFile

    from tests.members.conftest import image_bytes

    profile = ProfileFactory(member__name="Duncan Reid", slug="duncan-reid")
    profile.photo.save("duncan.jpg", ContentFile(image_bytes("JPEG")))
    client.force_login(member)

    response = client.get(reverse("members:photo", args=[profile.slug]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_visitors_public_pages_stay_cacheable(client, coordinator, network):
    _, _, event, resource = network

    for path in ["/", "/events/", event.get_absolute_url(), resource.get_absolute_url()]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.get("Cache-Control", ""), path


def test_the_minimal_view_does_not_ask_who_is_signed_in(client, member, django_assert_num_queries):
    client.force_login(member)

    with django_assert_num_queries(0):
        response = client.get("/ping/")

    assert response.content == b"pong"
