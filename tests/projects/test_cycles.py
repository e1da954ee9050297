"""PDSA cycles: planned and recorded by the team, numbered in order, read as a ramp on the
change idea's page."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import ChangeIdea, Cycle, Driver
from tests.projects.conftest import make_cycle, make_idea, make_project

pytestmark = pytest.mark.django_db


def new_cycle_url(idea):
    return f"/projects/{idea.project.slug}/ideas/{idea.pk}/cycles/new/"


def cycle_url(cycle):
    return f"/projects/{cycle.idea.project.slug}/ideas/{cycle.idea_id}/cycles/{cycle.number}/edit/"


PLAN = {
    "question": "Will a two-minute huddle fit into the handover?",
    "prediction": "It will, on four days out of five.",
}


def test_a_teammate_plans_a_cycle_and_records_what_happened(client, teammate, members_project):
    idea = make_idea(members_project)
    client.force_login(teammate)
    page = client.get(new_cycle_url(idea)).text
    assert "PDSA cycle 1" in page
    answer = client.post(new_cycle_url(idea), PLAN)
    assert answer.headers["Location"] == f"{idea.get_absolute_url()}#cycle-1"
    cycle = Cycle.objects.get()
    assert (cycle.number, cycle.created_by, cycle.decision) == (1, teammate, "")

    answer = client.post(
        cycle_url(cycle),
        {
            **PLAN,
            "plan": "The nurse in charge leads it for a week.",
            "done": "Ran on five days of seven.",
            "started_on": "2026-03-02",
            "finished_on": "2026-03-08",
            "study": "A little below the prediction; staff said it helped.",
            "decision": "adapt",
            "next_steps": "Try it on the night shift.",
        },
    )
    assert answer.status_code == 302
    cycle.refresh_from_db()
    assert cycle.started_on == date(2026, 3, 2)
    assert cycle.decision == "adapt"
    page = client.get(idea.get_absolute_url()).text
    for words in [
        "Will a two-minute huddle fit into the handover?",
        "It will, on four days out of five.",
        "Ran on five days of seven.",
        "2 March 2026 to 8 March 2026",
        "A little below the prediction",
        "Adapt",
        "Try it on the night shift.",
    ]:
        assert words in page
    client.post(new_cycle_url(idea), {**PLAN, "question": "Will it work at night?"})
    assert list(idea.cycles.values_list("number", flat=True)) == [1, 2]
    members_project.refresh_from_db()
    assert members_project.updated_at >= cycle.created_at


def test_the_cycle_form_has_the_four_parts_and_a_decision_that_may_wait(
    client, teammate, members_project
):
    idea = make_idea(members_project)
    client.force_login(teammate)
    page = client.get(new_cycle_url(idea)).text
    legends = re.findall(r'<legend class="network-cycle-form__legend">(.*?)</legend>', page)
    assert legends == ["Plan", "Do", "Study", "Act"]
    assert page.count('type="date"') == 2
    decision = re.search(
        r"<fieldset[^>]*>\s*<legend>Adopt, adapt or abandon\?.*?</fieldset>", page, re.S
    )[0]
    assert re.findall(r'<label class="ds_radio__label"[^>]*>(.*?)</label>', decision) == [
        "Not decided yet",
        "Adopt",
        "Adapt",
        "Abandon",
    ]
    assert "---" not in decision
    assert 'value="" id="id_decision_0" checked' in decision


def test_a_cycle_with_bad_dates_or_no_question_is_refused_next_to_the_field(
    client, teammate, members_project
):
    idea = make_idea(members_project)
    client.force_login(teammate)
    page = client.post(
        new_cycle_url(idea),
        {"prediction": "Yes", "started_on": "2026-03-08", "finished_on": "2026-03-02"},
    ).text
    assert re.search(
        r'id="id_finished_on_error">The cycle cannot finish before it started.</p>', page
    )
    assert re.search(r'id="id_question_error">Write what you want to learn from this cycle.', page)
    assert 'href="#id_question"' in page
    page = client.post(new_cycle_url(idea), {**PLAN, "started_on": "2026-02-30"}).text
    assert re.search(r'id="id_started_on_error">Enter a real date', page)
    page = client.post(new_cycle_url(idea), {**PLAN, "decision": "maybe"}).text
    assert 'id="id_decision_error"' in page
    assert not Cycle.objects.exists()


def test_the_ramp_reads_in_order(client, sponsor, members_project):
    idea = make_idea(members_project)
    for number in (3, 1, 4, 2):
        make_cycle(idea, number, question=f"Question of cycle {number}?")
    client.force_login(sponsor)
    page = client.get(idea.get_absolute_url()).text
    ramp = re.search(r'<ol class="network-ramp">(.*?)</ol>', page, re.S)[1]
    assert re.findall(r'href="#cycle-(\d)"', ramp) == ["1", "2", "3", "4"]
    cycles = re.search(r'<ol class="network-cycles">(.*?)</ol>', page, re.S)[1]
    assert re.findall(r"Question of cycle (\d)", cycles) == ["1", "2", "3", "4"]
    assert "Add a PDSA cycle" not in page, "sponsors follow, the team records"
    assert "Update cycle" not in page


def test_removing_a_cycle_closes_the_gap(client, lead, members_project):
    idea = make_idea(members_project)
    for number in (1, 2, 3):
        make_cycle(idea, number, question=f"Question {number}?")
    client.force_login(lead)
    remove = f"/projects/{members_project.slug}/ideas/{idea.pk}/cycles/2/remove/"
    page = client.get(remove).text
    assert "Remove PDSA cycle 2?" in page and "The cycles after it take the numbers" in page
    assert Cycle.objects.count() == 3
    assert client.post(remove).headers["Location"] == idea.get_absolute_url()
    assert list(idea.cycles.values_list("number", "question")) == [
        (1, "Question 1?"),
        (2, "Question 3?"),
    ]


def test_only_the_team_records_cycles(
    client, lead, teammate, sponsor, bystander, members_project, team_project
):
    idea = make_idea(members_project)
    cycle = make_cycle(idea)
    hidden = make_idea(team_project, slug="hidden-idea")
    hidden_cycle = make_cycle(hidden)
    for editor in (lead, teammate):
        client.force_login(editor)
        assert client.get(new_cycle_url(idea)).status_code == 200
        assert client.get(cycle_url(cycle)).status_code == 200
    for reader in (sponsor, bystander):
        client.force_login(reader)
        assert client.get(idea.get_absolute_url()).status_code == 200
        assert client.get(new_cycle_url(idea)).status_code == 403
        assert client.post(new_cycle_url(idea), PLAN).status_code == 403
        assert client.post(cycle_url(cycle), {**PLAN, "question": "Mine?"}).status_code == 403
        remove = f"/projects/{members_project.slug}/ideas/{idea.pk}/cycles/1/remove/"
        assert client.post(remove).status_code == 403
    client.force_login(bystander)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(new_cycle_url(hidden)).status_code == 404
    assert client.post(cycle_url(hidden_cycle), PLAN).status_code == 404
    # An idea of another project, through this project's address, is not there.
    client.force_login(lead)
    assert (
        client.get(f"/projects/{members_project.slug}/ideas/{hidden.pk}/cycles/new/").status_code
        == 404
    )
    assert Cycle.objects.count() == 2
    assert Cycle.objects.get(pk=cycle.pk).question == cycle.question


def test_visitors_find_no_change_idea_even_of_a_public_project(client, public_project):
    idea = make_idea(public_project)
    make_cycle(idea)
    assert client.get(idea.get_absolute_url()).status_code == 404
    assert client.get(new_cycle_url(idea)).status_code == 404
    assert client.get("/projects/ideas/no-such-idea/").status_code == 404


def test_a_teammate_edits_an_idea_and_moves_it_in_the_diagram(client, teammate, members_project):
    idea = make_idea(members_project)
    elsewhere = Driver.objects.create(project=members_project, text="Staff who know the risks")
    client.force_login(teammate)
    url = f"/projects/{members_project.slug}/ideas/{idea.pk}/edit/"
    page = client.get(url).text
    assert "Safe care at every handover › Shared risk picture" in page
    assert '<option value="">Not in the diagram yet</option>' in page
    answer = client.post(
        url,
        {
            "title": "  Falls huddle   at handover ",
            "description": "Two **minutes**.",
            "place": str(elsewhere.pk),
        },
    )
    assert answer.headers["Location"] == idea.get_absolute_url()
    idea.refresh_from_db()
    assert (idea.title, idea.driver) == ("Falls huddle at handover", elsewhere)
    page = client.get(idea.get_absolute_url()).text
    assert "<strong>minutes</strong>" in page
    assert "under “Staff who know the risks”" in page
    # A driver of another project is not a place for it.
    other = Driver.objects.create(project=make_project(teammate, title="Other"), text="Elsewhere")
    page = client.post(url, {"title": "x", "place": str(other.pk)})
    assert page.status_code == 200 and 'id="id_place_error"' in page.text
    idea.refresh_from_db()
    assert idea.driver == elsewhere


def test_the_idea_page_keeps_its_query_count(
    client, sponsor, members_project, django_assert_num_queries
):
    idea = make_idea(members_project)
    make_cycle(idea, 1)
    client.force_login(sponsor)

    def count() -> int:
        client.get(idea.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(idea.get_absolute_url()).status_code == 200
        return len(queries)

    few = count()
    for number in range(2, 12):
        make_cycle(idea, number, decision="adapt", started_on=date(2026, 1, number))
    assert ChangeIdea.objects.count() == 1
    with django_assert_num_queries(few):
        client.get(idea.get_absolute_url())
