"""A member's projects on their own page and profile, in their data export, and what happens to
their places and PDSA cycles when they close their account."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from base.models import AuditEntry
from members.models import Notification, Profile
from members.services import member_erase
from projects.models import Cycle, Project, TeamMember
from tests.factories import ProfileFactory
from tests.projects.conftest import add_to_team, make_cycle, make_idea, make_project

pytestmark = pytest.mark.django_db


def test_my_page_lists_my_projects_with_my_role(
    client, teammate, members_project, team_project, public_project
):
    client.force_login(teammate)

    page = client.get("/members/me/").content.decode()

    assert "My improvement projects" in page
    for project in (members_project, team_project, public_project):
        assert project.title in page
    assert "Team member" in page


def test_my_page_invites_a_member_on_no_team_to_start_one(client, bystander, members_project):
    client.force_login(bystander)

    page = client.get("/members/me/").content.decode()

    assert "You are not on a project team" in page
    assert members_project.title not in page


def _profile_names(client, person, profile) -> set[str]:
    client.logout()
    if person is not None:
        client.force_login(person)
    response = client.get(profile.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    titles = Project.objects.values_list("title", flat=True)
    return {title for title in titles if title in page}


def test_a_profile_names_only_projects_the_viewer_may_read(
    client, lead, teammate, bystander, members_project, team_project, public_project
):
    Profile.objects.filter(member=lead).update(visibility=Profile.Visibility.PUBLIC)
    profile = Profile.objects.get(member=lead)

    # A team-only project is for its team: another member never learns the lead is on it.
    assert _profile_names(client, bystander, profile) == {
        members_project.title,
        public_project.title,
    }
    assert _profile_names(client, teammate, profile) == {
        members_project.title,
        team_project.title,
        public_project.title,
    }
    # Who is on a team is for members, even of a project with a public summary.
    assert _profile_names(client, None, profile) == set()


def test_a_profile_takes_the_same_queries_however_many_projects(client, lead, bystander):
    client.force_login(bystander)
    address = Profile.objects.get(member=lead).get_absolute_url()
    counts = []
    for count in (1, 8):
        for number in range(count):
            make_project(lead, title=f"Falls project {number} of {count}")
        client.get(address)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_export_holds_my_places_and_the_cycles_i_wrote(
    client, teammate, members_project, team_project
):
    idea = make_idea(members_project)
    make_cycle(idea, question="Will a huddle at noon work too?", created_by=teammate)
    make_cycle(idea, number=2, question="Someone else's question?")
    client.force_login(teammate)

    export = json.loads(client.get("/members/me/export/").content)

    projects = export["projects"]
    assert {place["project"] for place in projects["team_places"]} == {
        members_project.title,
        team_project.title,
    }
    assert {place["role"] for place in projects["team_places"]} == {"Team member"}
    [cycle] = projects["pdsa_cycles_written"]
    assert cycle["question"] == "Will a huddle at noon work too?"
    assert cycle["change_idea"] == idea.title and cycle["project"] == members_project.title


def test_closing_an_account_leaves_no_place_and_the_cycles_stay_unsigned(
    lead, teammate, sponsor, members_project
):
    idea = make_idea(members_project)
    cycle = make_cycle(idea, created_by=teammate, study="Four days out of five.")

    member_erase(teammate)

    assert not TeamMember.objects.filter(member=teammate).exists()
    cycle.refresh_from_db()
    assert cycle.created_by is None
    assert cycle.study == "Four days out of five."
    assert set(members_project.team.values_list("member__name", flat=True)) == {
        "Lesley Lead",
        "Sandy Sponsor",
    }


def test_a_project_whose_only_lead_leaves_passes_to_its_longest_serving_team_member(
    lead, teammate, sponsor, members_project
):
    later = ProfileFactory(member__name="Lee Later").member
    add_to_team(members_project, later)

    member_erase(lead)

    leads = members_project.team.filter(role=TeamMember.Role.LEAD)
    # The sponsor joined before the newest team member, but follows rather than does the work.
    assert [place.member for place in leads] == [teammate]
    told = Notification.objects.get(recipient=teammate, kind="project_lead")
    assert members_project.title in told.text and told.url == members_project.get_absolute_url()
    assert "Lesley" not in told.text
    assert AuditEntry.objects.filter(member=teammate, action="project_team_role").exists()
    assert Project.objects.get(pk=members_project.pk).created_by is None


def test_a_sponsor_leads_when_no_team_member_is_left(lead, sponsor):
    project = make_project(lead, title="Small project")
    add_to_team(project, sponsor, TeamMember.Role.SPONSOR)

    member_erase(lead)

    assert project.team.get().member == sponsor
    assert project.team.get().role == TeamMember.Role.LEAD


def test_a_project_left_with_nobody_stays_for_the_admins(lead, admin_member):
    project = make_project(lead, title="Solo project", visibility="team")
    make_cycle(make_idea(project), created_by=lead)

    member_erase(lead)

    assert not project.team.exists()
    assert Cycle.objects.filter(idea__project=project, created_by=None).exists()
    assert Project.objects.led_by(admin_member).filter(pk=project.pk).exists()


def test_a_second_lead_keeps_leading_and_nobody_is_promoted(lead, teammate, members_project):
    second = ProfileFactory(member__name="Sam Second").member
    add_to_team(members_project, second, TeamMember.Role.LEAD)

    member_erase(lead)

    assert [place.member for place in members_project.team.filter(role="lead")] == [second]
    assert not Notification.objects.filter(kind="project_lead").exists()
