"""The shared layout and the public pages a visitor meets first."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from network.context_processors import SECTIONS
from network.views import server_error

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_the_purpose_and_the_places_later_work_fills(client):
    page = client.get(reverse("home")).content.decode()

    assert "What the network is for" in page
    for feature in [
        "Common purpose",
        "Cooperative structures",
        "Critical mass",
        "Collective intelligence",
        "Community building",
    ]:
        assert feature in page
    for heading in ["Upcoming events", "Featured resources", "Latest eBulletin"]:
        assert heading in page
    assert reverse("account_signup") in page


def test_every_page_has_the_skip_link_navigation_and_search(client):
    page = client.get(reverse("home")).content.decode()

    assert '<a class="ds_skip-links__link" href="#main-content">Skip to main content</a>' in page
    assert '<main id="main-content"' in page
    for title, url_name in SECTIONS:
        assert f'href="{reverse(url_name)}">{title}</a>' in page
    assert 'role="search"' in page


@pytest.mark.parametrize(("title", "url_name"), SECTIONS)
def test_every_section_in_the_navigation_answers_and_marks_itself_current(
    client, member, title, url_name
):
    client.force_login(member)
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert f'aria-current="page">{title}</a>' in response.content.decode()


def test_a_page_inside_a_section_marks_the_section_without_claiming_to_be_it(client, member):
    client.force_login(member)

    page = client.get(reverse("members:me")).content.decode()

    assert 'aria-current="true">Members</a>' in page
    assert 'aria-current="page">Members</a>' not in page


@pytest.mark.parametrize("url_name", ["accessibility", "privacy"])
def test_the_accessibility_statement_and_privacy_notice_are_linked_from_every_page(
    client, url_name
):
    assert f'href="{reverse(url_name)}"' in client.get(reverse("home")).content.decode()
    assert client.get(reverse(url_name)).status_code == 200


def test_a_signed_in_member_sees_their_name_and_can_sign_out(client, member):
    client.force_login(member)

    page = client.get(reverse("home")).content.decode()

    assert "Morag Campbell" in page
    assert f'action="{reverse("account_logout")}"' in page
    assert "Join the network</a>" not in page


def test_a_missing_page_is_the_styled_not_found_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "ds_site-header" in response.content.decode()


def test_the_server_error_page_has_the_whole_layout_without_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "<title>Sorry, there is a problem with the service – Improvement Network</title>" in page
    assert 'alt="Improvement Network home"' in page
    for title, url_name in SECTIONS:
        assert f'href="{reverse(url_name)}">{title}</a>' in page


# The live server makes this a transactional test; restoring the migrated rows afterwards keeps
# the next transactional test's own restore from meeting rows made meanwhile.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_static_assets_of_the_design_system_are_served(client, live_server):
    import urllib.request

    for path in [
        "/static/sgds/css/design-system.min.css",
        "/static/sgds/scripts/design-system.js",
        "/static/js/network.js",
        "/static/css/network.css",
    ]:
        with urllib.request.urlopen(f"{live_server.url}{path}") as response:
            assert response.status == 200, path


def test_a_forbidden_page_is_the_styled_permission_page():
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    response = permission_denied(RequestFactory().get("/"), PermissionDenied())

    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
