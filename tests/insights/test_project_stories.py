"""A team whose measure shows a sustained improvement is asked to share a story of change, and
the story shows the measure's chart to those who may see the project's charts."""

import json
from datetime import date

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from insights.models import Story
from projects.models import Measure
from tests.factories import OrganisationFactory, ProfileFactory
from tests.insights.test_stories import make_story, story_form
from tests.projects.conftest import add_to_team, make_measure, make_project

pytestmark = pytest.mark.django_db

# A year around 10 falls a month, then eight months at about 5: a shift below the median.
CHART = '<svg class="network-chart"'
FALLS = (10, 11, 9, 10, 12, 9, 11, 10, 9, 12, 10, 11, 5, 6, 4, 5, 6, 5, 4, 5)


@pytest.fixture
def lead(db):
    return ProfileFactory(member__name="Lesley Lead").member


@pytest.fixture
def bystander(db):
    return ProfileFactory(member__name="Bev Bystander").member


def improving_measure(lead, visibility="members", public_charts=False):
    project = make_project(
        lead,
        title=f"Fewer falls ({visibility})",
        visibility=visibility,
        public_charts=public_charts,
        organisations=[OrganisationFactory(name="NHS Example Fife", slug="nhs-example-fife")],
    )
    measure = make_measure(project, values=FALLS, direction="down", unit="falls")
    Measure.objects.filter(pk=measure.pk).update(
        verdict="improvement", verdict_since=date(2026, 1, 1)
    )
    measure.refresh_from_db()
    return measure


def test_the_prompt_invites_the_team_to_share_a_story_only_after_an_improvement(lead):
    measure = improving_measure(lead)

    prompt = render_to_string("projects/_story_prompt.html", {"measure": measure})
    Measure.objects.filter(pk=measure.pk).update(verdict="concern")
    measure.refresh_from_db()
    silent = render_to_string("projects/_story_prompt.html", {"measure": measure})

    assert "shows a sustained improvement since 1 January 2026" in prompt
    assert f"/insights/stories/new/?measure={measure.pk}" in prompt
    assert silent.strip() == ""


def test_the_story_form_starts_from_the_measure_the_team_was_prompted_about(client, lead):
    measure = improving_measure(lead)
    client.force_login(lead)

    page = client.get(reverse("insights:story_create"), {"measure": measure.pk}).text

    assert 'value="Fewer falls (members)"' in page
    assert 'value="NHS Example Fife"' in page
    assert "Falls with harm per 1,000 bed days: a shift of 8 points below the median" in page
    assert f'<option value="{measure.pk}" selected>' in page


def test_the_story_is_saved_with_its_chart_and_the_chart_is_in_the_tellers_export(client, lead):
    measure = improving_measure(lead)
    client.force_login(lead)

    client.post(
        reverse("insights:story_create") + f"?measure={measure.pk}",
        story_form(measure=measure.pk),
    )

    story = Story.objects.get()
    assert story.measure == measure
    exported = json.loads(client.get(reverse("members:export")).content)["stories"]
    assert exported[0]["chart_shown"] == "Fewer falls (members): Falls with harm per 1,000 bed days"


def test_a_measure_the_member_may_not_read_starts_nothing_and_cannot_be_attached(
    client, lead, bystander
):
    hidden = improving_measure(lead, visibility="team")
    make_measure(make_project(bystander, title="Bev's own project"), title="Bev's measure")
    client.force_login(bystander)

    page = client.get(reverse("insights:story_create"), {"measure": hidden.pk}).text
    refused = client.post(reverse("insights:story_create"), story_form(measure=hidden.pk))

    assert "Bev&#x27;s own project: Bev&#x27;s measure" in page
    assert "Fewer falls" not in page and "Falls with harm" not in page
    assert "Choose one of your projects&#x27; charts, or none." in refused.text
    assert not Story.objects.exists()


def test_without_a_project_of_their_own_a_member_attaches_no_chart_whatever_is_sent(
    client, lead, bystander
):
    hidden = improving_measure(lead, visibility="team")
    client.force_login(bystander)

    client.post(reverse("insights:story_create"), story_form(measure=hidden.pk))

    assert Story.objects.get().measure is None


@pytest.mark.parametrize("tampered", ["abc", "99999999999999999999999", "-1", "²", ""])
def test_a_tampered_measure_in_the_address_is_ignored(client, lead, tampered):
    improving_measure(lead)
    client.force_login(lead)

    response = client.get(reverse("insights:story_create"), {"measure": tampered})
    refused = client.post(reverse("insights:story_create"), story_form(measure=tampered))

    assert response.status_code == 200 and "Falls with harm" in response.text
    assert tampered == "" or not Story.objects.exists()
    assert refused.status_code in (200, 302)


def test_another_member_may_attach_a_chart_they_may_read(client, lead, bystander):
    measure = improving_measure(lead)
    client.force_login(bystander)

    page = client.get(reverse("insights:story_create"), {"measure": measure.pk}).text

    assert f'<option value="{measure.pk}" selected>' in page


def test_a_member_on_no_project_is_not_asked_for_a_chart(client, bystander):
    client.force_login(bystander)

    page = client.get(reverse("insights:story_create")).text

    assert "A chart from your improvement project" not in page


def published_story_about(measure, author):
    return make_story(author, measure=measure)


def test_the_story_shows_the_chart_to_members_who_may_read_the_project(
    client, lead, bystander, coordinator
):
    story = published_story_about(improving_measure(lead), lead)

    client.force_login(bystander)
    page = client.get(story.get_absolute_url()).text
    client.logout()
    visitor = client.get(story.get_absolute_url()).text

    assert CHART in page and "a shift of 8 points in a row below the median" in page
    assert "From the improvement project" in page
    # A visitor reads the published story, but a members' project's chart is not for them.
    assert "Fewer falls after a ward huddle" in visitor and CHART not in visitor


def test_a_public_summary_with_its_charts_shows_the_chart_to_visitors(client, lead):
    story = published_story_about(improving_measure(lead, "public", public_charts=True), lead)

    page = client.get(story.get_absolute_url()).text

    assert CHART in page and "Fewer falls (public)" in page


def test_a_team_only_projects_chart_is_shown_to_its_team_alone(
    client, lead, bystander, coordinator
):
    measure = improving_measure(lead, "team")
    teammate = ProfileFactory().member
    add_to_team(measure.project, teammate)
    story = published_story_about(measure, lead)

    seen = {}
    for reader in (teammate, bystander, coordinator):
        client.force_login(reader)
        seen[reader] = client.get(story.get_absolute_url()).text
    assert CHART in seen[teammate]
    for reader in (bystander, coordinator):
        assert CHART not in seen[reader] and "Fewer falls (team)" not in seen[reader]
