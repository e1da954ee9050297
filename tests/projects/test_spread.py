"""A change idea spreads: other projects adopt it ("we are testing this too"), and its page
shows where it is tested, by level, organisation and region, to each viewer only the
projects they may see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Region
from projects import diagrams
from projects.models import ChangeIdea, Driver, TeamMember
from projects.services import ProjectError
from tests.factories import OrganisationFactory, ProfileFactory
from tests.projects.conftest import add_to_team, make_cycle, make_idea, make_project

pytestmark = pytest.mark.django_db


def adopt_url(idea):
    return f"/projects/ideas/{idea.slug}/adopt/"


def spread_section(page: str) -> str:
    return page.split('id="spread-heading"', 1)[1]


@pytest.fixture
def original(members_project):
    return make_idea(members_project, description="A **two-minute** huddle.")


def test_a_member_adopts_an_idea_into_their_project(client, bystander, original):
    theirs = make_project(bystander, title="Home first falls", level="partnership")
    primary = Driver.objects.create(project=theirs, text="Safe discharge")
    secondary = Driver.objects.create(project=theirs, parent=primary, text="Risks known at home")
    client.force_login(bystander)
    page = client.get(original.get_absolute_url()).text
    assert "We are testing this too" in page
    form = client.get(adopt_url(original)).text
    assert '<optgroup label="Home first falls">' in form
    assert (
        f'<option value="{theirs.pk}:{secondary.pk}">Home first falls: Safe discharge › Risks'
        in form
    )
    answer = client.post(adopt_url(original), {"place": f"{theirs.pk}:{secondary.pk}"})
    adopted = ChangeIdea.objects.get(project=theirs)
    assert answer.headers["Location"] == adopted.get_absolute_url()
    assert (adopted.title, adopted.driver, adopted.adopted_from) == (
        original.title,
        secondary,
        original,
    )
    assert adopted.description == original.description
    page = client.get(adopted.get_absolute_url()).text
    assert "Home first falls is testing this idea too." in page
    assert f'Adopted from <a href="{original.get_absolute_url()}">' in page
    # Once is enough: the project is not offered again, and asking again is refused.
    assert "We are testing this too" not in client.get(original.get_absolute_url()).text
    assert client.get(adopt_url(original)).status_code == 403
    with pytest.raises(ProjectError, match="Home first falls is already testing this idea"):
        diagrams.idea_adopt(idea=original, by=bystander, project_id=theirs.pk)


def test_an_adoption_of_an_adoption_adopts_the_original(bystander, outsider, original):
    first = make_project(bystander, title="First to adopt")
    second = make_project(outsider, title="Second to adopt")
    copy = diagrams.idea_adopt(idea=original, by=bystander, project_id=first.pk)
    copy_of_copy = diagrams.idea_adopt(idea=copy, by=outsider, project_id=second.pk)
    assert copy_of_copy.adopted_from == original
    assert copy_of_copy.driver is None
    # Back into the original's project, through a copy: refused.
    with pytest.raises(ProjectError):
        diagrams.idea_adopt(idea=copy_of_copy, by=bystander, project_id=first.pk)


def test_an_idea_is_not_adopted_into_its_own_project_nor_by_someone_off_the_team(
    client, lead, sponsor, bystander, original, members_project
):
    with pytest.raises(ProjectError, match="already part of that project"):
        diagrams.idea_adopt(idea=original, by=lead, project_id=members_project.pk)
    client.force_login(lead)
    assert "We are testing this too" not in client.get(original.get_absolute_url()).text
    assert client.post(adopt_url(original), {"place": str(members_project.pk)}).status_code == 403

    # A sponsor of another project follows it; they do not change it.
    followed = make_project(bystander, title="Followed")
    add_to_team(followed, sponsor, TeamMember.Role.SPONSOR)
    client.force_login(sponsor)
    assert "We are testing this too" not in client.get(original.get_absolute_url()).text
    assert client.post(adopt_url(original), {"place": str(followed.pk)}).status_code == 403
    with pytest.raises(diagrams.NotFound):
        diagrams.idea_adopt(idea=original, by=sponsor, project_id=followed.pk)

    # A project the member edits, beside one they do not: only theirs is offered or taken.
    mine = make_project(sponsor, title="Mine")
    form = client.get(adopt_url(original)).text
    assert "Mine" in form and "Followed" not in form
    page = client.post(adopt_url(original), {"place": str(followed.pk)})
    assert 'id="id_place_error"' in page.text
    assert ChangeIdea.objects.filter(adopted_from=original).count() == 0
    client.post(adopt_url(original), {"place": str(mine.pk)})
    assert ChangeIdea.objects.get(adopted_from=original).project == mine


def test_the_spread_is_grouped_by_level_and_names_only_what_the_viewer_may_see(
    client, lead, bystander, outsider, original, members_project
):
    west = OrganisationFactory(name="Example West Partnership", region=Region.WEST)
    north = OrganisationFactory(name="Example North Board", region=Region.NORTH)
    secret_board = OrganisationFactory(name="Hidden Island Board", region=Region.NATIONAL)
    regional = make_project(
        bystander, title="West falls collaborative", level="regional", organisations=[west, north]
    )
    hidden = make_project(
        outsider,
        title="Quiet island pilot",
        level="national",
        visibility="team",
        organisations=[secret_board],
    )
    local = make_project(lead, title="Ward 7 falls", level="locality")
    for project, member in ((regional, bystander), (hidden, outsider), (local, lead)):
        diagrams.idea_adopt(idea=original, by=member, project_id=project.pk)
    make_cycle(ChangeIdea.objects.get(project=regional))

    client.force_login(bystander)
    copy = ChangeIdea.objects.get(project=regional)
    page = client.get(copy.get_absolute_url()).text
    spread = spread_section(page)
    assert re.findall(r"<h3>(.*?)</h3>", spread) == ["Locality", "Regional"]
    assert "Tested by 3 projects, in 3 organisations across 3 regions." in spread
    assert "Fewer falls on our wards" in spread and "Original idea" in spread
    assert "Ward 7 falls" in spread
    assert (
        '<strong>West falls collaborative</strong> <span class="ds_hint-text">(this page)' in spread
    )
    assert "Example North Board, Example West Partnership · North, West · 1 PDSA cycle" in spread
    assert "NHS Example Borders · East · no PDSA cycles yet" in spread
    # The team-only project that adopted it is neither named nor counted.
    for hidden_words in ("Quiet island pilot", "Hidden Island Board", "National", "4 projects"):
        assert hidden_words not in page

    client.force_login(outsider)
    spread = spread_section(client.get(original.get_absolute_url()).text)
    assert re.findall(r"<h3>(.*?)</h3>", spread) == ["Locality", "Regional", "National"]
    assert "Tested by 4 projects" in spread and "Quiet island pilot" in spread

    # Whoever may not see the original is not told where a copy came from.
    members_project.visibility = "team"
    members_project.save()
    client.force_login(bystander)
    page = client.get(copy.get_absolute_url()).text
    assert "Adopted from" not in page
    assert "Fewer falls on our wards" not in page
    assert client.get(original.get_absolute_url()).status_code == 404


def test_an_idea_tested_nowhere_else_says_so(client, sponsor, original):
    client.force_login(sponsor)
    page = client.get(original.get_absolute_url()).text
    assert "No other project you can see is testing this idea." in page


def test_the_spread_keeps_its_query_count(client, bystander, original, django_assert_num_queries):
    client.force_login(bystander)

    def adopted_by(number):
        member = ProfileFactory().member
        project = make_project(
            member,
            title=f"Adopting project {number}",
            organisations=[OrganisationFactory(), OrganisationFactory()],
        )
        copy = diagrams.idea_adopt(idea=original, by=member, project_id=project.pk)
        make_cycle(copy)

    def count() -> int:
        client.get(original.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(original.get_absolute_url()).status_code == 200
        return len(queries)

    adopted_by(0)
    few = count()
    for number in range(1, 8):
        adopted_by(number)
    with django_assert_num_queries(few):
        page = client.get(original.get_absolute_url())
    assert "Tested by 9 projects" in page.text
