"""Starting a project, its team, and who sees which project."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from base.text_search import search_text
from projects import services
from projects.models import Project, TeamMember
from tests.factories import OrganisationFactory, TopicFactory
from tests.projects.conftest import add_to_team, make_project

pytestmark = pytest.mark.django_db


def test_who_sees_which_project(
    lead, teammate, sponsor, bystander, admin_member, team_project, members_project, public_project
):
    def seen(viewer):
        return set(Project.objects.visible_to(viewer).values_list("title", flat=True))

    everything = {team_project.title, members_project.title, public_project.title}
    assert seen(lead) == seen(teammate) == seen(sponsor) == seen(admin_member) == everything
    assert seen(bystander) == {members_project.title, public_project.title}
    assert seen(AnonymousUser()) == {public_project.title}
    # A visitor reads no project's whole story, the public one's summary alone.
    assert not Project.objects.readable_by(AnonymousUser()).exists()


def test_a_visitor_sees_a_public_summary_and_nothing_of_the_others(
    client, public_project, members_project, team_project
):
    page = client.get(public_project.get_absolute_url())
    assert page.status_code == 200
    assert public_project.aim in page.text
    assert "NHS Example Borders" in page.text
    assert "Lesley Lead" not in page.text, "the team is for members"
    assert client.get(members_project.get_absolute_url()).status_code == 404
    assert client.get(team_project.get_absolute_url()).status_code == 404
    assert client.get(f"/projects/{public_project.slug}/team/").status_code == 302  # sign in


def test_a_team_only_project_is_not_found_by_other_members(client, bystander, team_project):
    client.force_login(bystander)
    assert client.get(team_project.get_absolute_url()).status_code == 404
    assert client.get(f"/projects/{team_project.slug}/team/").status_code == 404
    assert client.get(f"/projects/{team_project.slug}/edit/").status_code == 404
    listing = client.get("/projects/")
    assert team_project.title not in listing.text


def test_a_member_starts_a_project_and_leads_it(client, bystander):
    organisation = OrganisationFactory()
    topic = TopicFactory()
    client.force_login(bystander)
    answer = client.post(
        "/projects/new/",
        {
            "title": "  Home   first discharge ",
            "aim": "Half of people leave hospital by noon on their planned day, by June 2027.",
            "status": "planning",
            "level": "partnership",
            "visibility": "members",
            "organisations": [organisation.pk],
            "topics": [topic.pk],
        },
    )
    project = Project.objects.get()
    assert answer.headers["Location"] == project.get_absolute_url()
    assert project.title == "Home first discharge"
    assert project.team.get().member == bystander
    assert project.team.get().role == TeamMember.Role.LEAD
    assert Project.objects.filter(search_vector="discharge").exists()
    page = client.get(project.get_absolute_url())
    assert "Edit the project" in page.text


def test_an_aim_too_short_is_refused_next_to_the_field(client, bystander):
    client.force_login(bystander)
    answer = client.post(
        "/projects/new/",
        {
            "title": "Falls",
            "aim": "Fewer",
            "status": "planning",
            "level": "locality",
            "visibility": "members",
        },
    )
    assert answer.status_code == 200
    assert "Write the aim as a sentence" in answer.text
    assert not Project.objects.exists()


def test_only_leads_edit_and_team_members_cannot(client, teammate, sponsor, members_project):
    for person in (teammate, sponsor):
        client.force_login(person)
        assert client.get(f"/projects/{members_project.slug}/edit/").status_code == 403


def test_a_lead_adds_a_member_and_cannot_leave_the_project_without_a_lead(
    client, lead, bystander, members_project
):
    client.force_login(lead)
    found = client.get(f"/projects/{members_project.slug}/team/", {"q": "bev"})
    assert "Bev Bystander" in found.text
    client.post(
        f"/projects/{members_project.slug}/team/", {"member": bystander.pk, "role": "sponsor"}
    )
    assert members_project.team.get(member=bystander).role == TeamMember.Role.SPONSOR
    own_place = members_project.team.get(member=lead)
    answer = client.post(
        f"/projects/{members_project.slug}/team/{own_place.pk}/remove/", follow=True
    )
    assert "A project needs a lead" in answer.text
    assert members_project.team.filter(member=lead).exists()


def test_a_member_leaves_a_team(client, teammate, members_project):
    client.force_login(teammate)
    place = members_project.team.get(member=teammate)
    answer = client.post(f"/projects/{members_project.slug}/team/{place.pk}/remove/")
    assert not members_project.team.filter(member=teammate).exists()
    # Every member may still see a members' project: back to its page.
    assert answer.headers["Location"] == members_project.get_absolute_url()


def test_a_member_who_leaves_a_team_only_project_lands_on_the_list(client, teammate, team_project):
    client.force_login(teammate)
    place = team_project.team.get(member=teammate)
    answer = client.post(f"/projects/{team_project.slug}/team/{place.pk}/remove/", follow=True)
    assert answer.redirect_chain == [("/projects/", 302)]
    assert answer.status_code == 200
    assert f"You have left the team of {team_project.title}." in answer.text


@pytest.mark.parametrize("typed", ["bev%00", "b%00ev", "ab%00cd", "%00"])
def test_a_nul_typed_in_the_team_search_is_dropped_not_an_error(
    client, lead, bystander, members_project, typed
):
    client.force_login(lead)
    found = client.get(f"/projects/{members_project.slug}/team/?q={typed}")
    assert found.status_code == 200
    assert "\x00" not in found.text
    assert ("Bev Bystander" in found.text) == (typed == "bev%00")


def test_a_nul_in_the_list_s_search_is_named_next_to_the_box(client, lead, members_project):
    assert search_text("falls\x00huddle") == "falls huddle"
    found = services.project_search(Project.objects.all(), "fewer\x00", viewer=lead)
    assert list(found) == [members_project]  # searched without it, not an error

    client.force_login(lead)
    answer = client.get("/projects/?q=fewer%00")
    assert answer.status_code == 200
    assert 'id="id_q_error"' in answer.text


def test_a_team_member_cannot_add_people(client, teammate, bystander, members_project):
    client.force_login(teammate)
    answer = client.post(
        f"/projects/{members_project.slug}/team/", {"member": bystander.pk, "role": "lead"}
    )
    assert answer.status_code == 403
    assert not members_project.team.filter(member=bystander).exists()


def test_the_list_filters_by_region_and_status(client, lead, bystander):
    west = OrganisationFactory(name="West Example Council", slug="west-example", region="west")
    north = OrganisationFactory(name="North Example Board", slug="north-example", region="north")
    make_project(lead, title="West falls", organisations=[west], status="testing")
    make_project(lead, title="North falls", organisations=[north, west], status="sustained")
    client.force_login(bystander)
    assert (
        "North falls" not in client.get("/projects/", {"region": "west", "status": "testing"}).text
    )
    listing = client.get("/projects/", {"region": "west"}).text
    assert "West falls" in listing and "North falls" in listing
    assert "2 projects" in listing
    assert "West falls" not in client.get("/projects/", {"q": "north"}).text


@pytest.mark.parametrize("who", ["visitor", "bystander", "lead"])
def test_the_background_finds_a_public_project_only_for_members(
    client, request, public_project, who
):
    public_project.summary = "The ward had a serious untoward incident in 2024."
    public_project.save()
    services.project_index(public_project)
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    # Its title and aim find it for everyone.
    assert public_project.title in client.get("/projects/", {"q": "pressure ulcer"}).text
    found = public_project.title in client.get("/projects/", {"q": "untoward"}).text
    assert found == (who != "visitor")
    assert ("untoward" in client.get(public_project.get_absolute_url()).text) == found


def test_a_new_project_s_address_says_nothing_of_hidden_projects_of_the_same_title(
    client, bystander, team_project
):
    def start(title):
        answer = client.post(
            "/projects/new/",
            {
                "title": title,
                "aim": "Reduce delayed discharges by 20% by 2027 for older people.",
                "status": "planning",
                "level": "locality",
                "visibility": "members",
            },
        )
        return answer.headers["Location"]

    client.force_login(bystander)
    address = re.compile(r"/projects/quiet-discharge-pilot-[a-z2-9]{5}/")
    # With a team-only project of that title, hidden from them, and without one: the same form.
    assert address.fullmatch(start(team_project.title))
    team_project.delete()
    Project.objects.filter(created_by=bystander).delete()
    assert address.fullmatch(start(team_project.title))
    assert address.fullmatch(start(team_project.title)), "nor a -2 after one they may see"


def test_the_list_keeps_its_query_count(client, lead, bystander, django_assert_num_queries):
    organisation = OrganisationFactory()
    client.force_login(bystander)
    for number in range(2):
        project = make_project(lead, title=f"Project {number}", organisations=[organisation])
        add_to_team(project, bystander)
    client.get("/projects/")  # the session's first request reads more
    with CaptureQueriesContext(connection) as few:
        assert client.get("/projects/").status_code == 200
    for number in range(2, 12):
        make_project(lead, title=f"Project {number}", organisations=[organisation])
    with django_assert_num_queries(len(few)):
        listing = client.get("/projects/")
    assert "12 projects" in listing.text
