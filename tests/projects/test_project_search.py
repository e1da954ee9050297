"""The network's search finds projects, as each viewer may see them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse

from projects.models import Project
from projects.services import project_search
from search import services as search
from tests.projects.conftest import make_project
from tests.search.test_search import _explain, _plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(lead):
    aim = "Half of people living with frailty stay at home after a fall, by March 2027."
    return {
        "public": make_project(lead, "Frailty at home", visibility="public", aim=aim),
        "members": make_project(lead, "Frailty huddles", visibility="members", aim=aim),
        "team": make_project(lead, "Frailty pilot", visibility="team", aim=aim),
        # Its background is for members: visitors see only its title and aim.
        "background": make_project(
            lead,
            "Ward rounds",
            visibility="public",
            aim="Every ward round ends with a plan for the day, by June 2027.",
            summary="We began with the Rockwood scores of every patient.",
        ),
    }


def _titles(client, address, **query) -> set[str]:
    page = client.get(address, query).content.decode()
    return {title for title in Project.objects.values_list("title", flat=True) if title in page}


@pytest.mark.parametrize(
    ("who", "found"),
    [
        ("visitor", {"Frailty at home"}),
        ("bystander", {"Frailty at home", "Frailty huddles"}),
        ("lead", {"Frailty at home", "Frailty huddles", "Frailty pilot"}),
    ],
)
def test_the_search_finds_the_projects_the_viewer_may_see(client, projects, request, who, found):
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))

    assert _titles(client, reverse("search"), q="frailty") == found
    assert _titles(client, reverse("search_suggest"), q="frailt") == found


def test_the_background_finds_a_project_only_for_those_who_read_it(client, bystander, projects):
    search.words_refresh()
    assert _titles(client, reverse("search"), q="rockwood") == set()
    assert _titles(client, reverse("projects:list"), q="rockwood") == set()
    # Nor is a visitor's slip corrected to a word of the background.
    assert "Showing results for" not in client.get(reverse("search"), {"q": "rockwod"}).text

    client.force_login(bystander)
    assert _titles(client, reverse("search"), q="rockwood") == {"Ward rounds"}
    assert _titles(client, reverse("projects:list"), q="rockwood") == {"Ward rounds"}
    assert "<mark>Rockwood</mark>" in client.get(reverse("search"), {"q": "rockwood"}).text


def test_the_projects_group_links_to_the_list_with_the_same_words(client, bystander, projects):
    client.force_login(bystander)

    group = search.projects(bystander, "frailty")

    assert group.title == "Projects" and group.total == 2
    assert group.see_all == "/projects/?q=frailty"
    assert search.projects(AnonymousUser(), "frailty").total == 1


def test_the_search_uses_the_projects_stored_words_and_title_index(member, projects):
    with connection.cursor() as cursor:
        for index in ("project_search_gin", "project_title_trigram"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])

    found = project_search(Project.objects.visible_to(member), "frailty", viewer=member)
    assert "project_search_gin" in _explain(found.only("pk"))
    assert "project_title_trigram" in _plans(lambda: search.suggestions(member, "frail"))
