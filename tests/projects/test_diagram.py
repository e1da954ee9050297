"""The driver diagram: edited as nested lists or pasted as an outline, drawn as SVG with the
same content as a list, and changed only by the team."""

import re
import xml.etree.ElementTree as ElementTree

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import diagrams, services
from projects.drawing import arrange, diagram_svg
from projects.models import ChangeIdea, Cycle, Driver
from tests.projects.conftest import add_to_team, make_cycle, make_idea, make_project

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def diagram_url(project):
    return f"/projects/{project.slug}/diagram/"


def change(client, project, **fields):
    return client.post(diagram_url(project), fields)


def outline(project) -> str:
    """The project's diagram as its outline, to compare with what was meant."""
    return diagrams.outline_of(services.diagram_of(project=project))


def build(project, text):
    """A diagram from an outline, as the team would paste it."""
    diagrams.outline_apply(
        project=project, by=project.team.first().member, lines=diagrams.outline_parse(text)
    )


def form_of(page: str, key: str) -> str:
    """The HTML of one entry's form on the diagram page."""
    found = re.search(rf'<form[^>]* id="{key}">(.*?)</form>', page, re.S)
    assert found, f"no form {key}"
    return found[1]


# --- editing as nested lists -----------------------------------------------------------------


def test_a_teammate_builds_a_diagram_in_the_nested_lists(client, teammate, members_project):
    client.force_login(teammate)
    assert change(client, members_project, action="add-driver", text="Safe care at handover")
    primary = Driver.objects.get(text="Safe care at handover")
    answer = change(
        client,
        members_project,
        action="add-driver",
        under=f"driver-{primary.pk}",
        text="A shared picture of risk",
    )
    # Back on the list, where the next entry goes: its box has the focus, without a script.
    assert answer.headers["Location"].endswith(f"?at=add-driver-{primary.pk}")
    page = client.get(answer.headers["Location"]).text
    assert re.search(rf'id="text-add-driver-{primary.pk}"[^>]*autofocus', page)
    secondary = Driver.objects.get(text="A shared picture of risk")
    change(
        client,
        members_project,
        action="add-idea",
        under=f"driver-{secondary.pk}",
        text="Falls huddle at every handover",
    )
    change(
        client,
        members_project,
        action="add-idea",
        under=f"driver-{secondary.pk}",
        text="Bed rails checked each shift",
    )
    change(
        client,
        members_project,
        action="add-idea",
        under=f"driver-{primary.pk}",
        text="Handover at the bedside",
    )
    change(client, members_project, action="add-driver", text="Staff who know the risks")
    assert outline(members_project) == (
        "Safe care at handover\n"
        "    Handover at the bedside\n"
        "  A shared picture of risk\n"
        "    Falls huddle at every handover\n"
        "    Bed rails checked each shift\n"
        "Staff who know the risks"
    )
    rails = ChangeIdea.objects.get(title="Bed rails checked each shift")
    change(client, members_project, action="up", entry=f"idea-{rails.pk}")
    change(client, members_project, action="down", entry=f"driver-{primary.pk}")
    change(
        client,
        members_project,
        action="rename",
        entry=f"driver-{secondary.pk}",
        text="  A shared   picture of each patient's risk ",
    )
    assert outline(members_project) == (
        "Staff who know the risks\n"
        "Safe care at handover\n"
        "    Handover at the bedside\n"
        "  A shared picture of each patient's risk\n"
        "    Bed rails checked each shift\n"
        "    Falls huddle at every handover"
    )
    page = client.get(diagram_url(members_project)).text
    assert "Falls huddle at every handover" in page
    assert "Move up" in form_of(page, f"driver-{primary.pk}")
    assert "Move down" not in form_of(page, f"driver-{primary.pk}"), "the last cannot go lower"
    assert "Move up" not in form_of(page, f"idea-{rails.pk}"), "the first cannot go higher"


def test_a_new_idea_s_address_says_nothing_of_hidden_ideas_of_the_same_name(
    client, lead, bystander, members_project
):
    # A team-only project, hidden from the lead, tests the same idea under the same name.
    hidden = make_project(bystander, title=members_project.title, visibility="team")
    make_idea(hidden, title="Falls huddle", slug=f"{members_project.slug}-falls-huddle")
    client.force_login(lead)
    change(client, members_project, action="add-idea", text="Falls huddle")
    change(client, members_project, action="add-idea", text="Falls huddle")
    slugs = list(members_project.ideas.values_list("slug", flat=True))
    assert len(slugs) == 2
    for slug in slugs:
        assert re.fullmatch(r"falls-huddle-[a-z2-9]{5}", slug), slug


def test_a_driver_without_words_is_refused_next_to_its_field(client, lead, members_project):
    primary = Driver.objects.create(project=members_project, text="Safe care at handover")
    client.force_login(lead)
    page = change(client, members_project, action="rename", entry=f"driver-{primary.pk}", text=" ")
    assert page.status_code == 200
    entry = form_of(page.text, f"driver-{primary.pk}")
    assert "Write the primary driver." in entry
    assert 'aria-invalid="true"' in entry
    assert f'href="#text-driver-{primary.pk}"' in page.text, "the error summary leads to it"
    assert page.text.count("Write the primary driver.") == 2
    primary.refresh_from_db()
    assert primary.text == "Safe care at handover"

    page = change(client, members_project, action="add-driver", text="x" * 301)
    assert "Shorten the primary driver to 300 characters or fewer (it has 301)." in form_of(
        page.text, "add-top"
    )
    assert 'value="' + "x" * 301 + '"' in form_of(page.text, "add-top"), "what was typed stays"
    assert Driver.objects.count() == 1


def test_a_change_to_another_projects_diagram_is_not_found(client, lead, teammate, bystander):
    mine = make_project(lead, title="Mine")
    add_to_team(mine, teammate)
    theirs = make_project(bystander, title="Theirs")
    their_driver = Driver.objects.create(project=theirs, text="Their driver")
    client.force_login(teammate)
    answer = change(client, mine, action="rename", entry=f"driver-{their_driver.pk}", text="Mine")
    assert answer.status_code == 404
    answer = change(client, mine, action="add-idea", under=f"driver-{their_driver.pk}", text="x")
    assert answer.status_code == 404
    assert change(client, mine, action="rename", entry="driver-x", text="x").status_code == 404
    their_driver.refresh_from_db()
    assert their_driver.text == "Their driver"
    assert not ChangeIdea.objects.exists()


def test_an_idea_without_cycles_goes_at_once(client, teammate, members_project):
    idea = make_idea(members_project)
    client.force_login(teammate)
    answer = change(client, members_project, action="remove", entry=f"idea-{idea.pk}")
    assert answer.headers["Location"] == diagram_url(members_project)
    assert not ChangeIdea.objects.exists()


def test_an_idea_with_cycles_is_removed_only_once_the_team_says_yes(
    client, teammate, members_project
):
    idea = make_idea(members_project)
    make_cycle(idea, 1)
    make_cycle(idea, 2)
    client.force_login(teammate)
    answer = change(client, members_project, action="remove", entry=f"idea-{idea.pk}")
    confirm = f"/projects/{members_project.slug}/diagram/ideas/{idea.pk}/remove/"
    assert answer.headers["Location"] == confirm
    assert Cycle.objects.count() == 2, "nothing goes before the team says yes"
    page = client.get(confirm).text
    assert "Remove “Falls huddle at every handover”?" in page
    assert "with its 2 PDSA cycles" in page
    assert "This cannot be undone." in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>")[0]
    assert client.post(confirm).headers["Location"] == diagram_url(members_project)
    assert not ChangeIdea.objects.exists()
    assert not Cycle.objects.exists()


@pytest.mark.parametrize("seen", [True, False])
def test_an_idea_other_projects_test_too_is_removed_only_once_the_team_says_yes(
    client, lead, bystander, members_project, seen
):
    idea = make_idea(members_project, title="Spread idea")
    # A members' project the lead may see, or a team-only one hidden from them.
    other = make_project(
        bystander, title="Adopting project", visibility="members" if seen else "team"
    )
    copy = diagrams.idea_adopt(idea=idea, by=bystander, project_id=other.pk)
    client.force_login(lead)
    answer = change(client, members_project, action="remove", entry=f"idea-{idea.pk}")
    confirm = f"/projects/{members_project.slug}/diagram/ideas/{idea.pk}/remove/"
    assert answer.headers["Location"] == confirm
    assert ChangeIdea.objects.filter(pk=idea.pk).exists(), "nothing goes before the team says yes"
    page = client.get(confirm).text
    assert "Remove “Spread idea”?" in page
    # Only projects the member may see are told of.
    told = "Other projects testing this idea too keep their own copy" in page
    assert told == seen
    assert "Adopting project" not in page
    client.post(confirm)
    assert not ChangeIdea.objects.filter(pk=idea.pk).exists()
    copy.refresh_from_db()
    assert copy.adopted_from is None, "the copy goes on as an idea of its own"


def test_a_driver_removed_with_ideas_tells_only_of_the_adopting_projects_one_may_see(
    client, lead, bystander, members_project
):
    build(members_project, "Safe care\n  Shared risk\n    Falls huddle")
    hidden = make_project(bystander, title="Hidden adopter", visibility="team")
    diagrams.idea_adopt(
        idea=ChangeIdea.objects.get(title="Falls huddle"), by=bystander, project_id=hidden.pk
    )
    safe = Driver.objects.get(text="Safe care")
    client.force_login(lead)
    page = client.get(f"/projects/{members_project.slug}/diagram/drivers/{safe.pk}/remove/").text
    assert "1 change idea" in page
    assert "Other projects testing" not in page


def test_a_driver_with_anything_under_it_asks_first(client, teammate, members_project):
    build(
        members_project,
        "Safe care\n  Shared risk\n    Falls huddle\n    Bed rails\nKnow the risks",
    )
    make_cycle(ChangeIdea.objects.get(title="Falls huddle"))
    safe = Driver.objects.get(text="Safe care")
    know = Driver.objects.get(text="Know the risks")
    client.force_login(teammate)
    answer = change(client, members_project, action="remove", entry=f"driver-{safe.pk}")
    assert answer.headers["Location"].endswith(f"/diagram/drivers/{safe.pk}/remove/")
    page = client.get(answer.headers["Location"]).text
    assert "1 secondary driver" in page and "Shared risk" in page
    assert "2 change ideas" in page and "Falls huddle, <strong>with 1 PDSA cycle</strong>" in page
    client.post(answer.headers["Location"])
    assert outline(members_project) == "Know the risks"
    # An empty driver goes at once.
    change(client, members_project, action="remove", entry=f"driver-{know.pk}")
    assert not Driver.objects.exists()


def test_removing_an_original_idea_keeps_the_projects_that_adopted_it_together(
    lead, bystander, members_project
):
    original = make_idea(members_project)
    copies = []
    for number in range(3):
        project = make_project(bystander, title=f"Adopting {number}")
        copies.append(diagrams.idea_adopt(idea=original, by=bystander, project_id=project.pk))
    diagrams.entry_remove(
        project=members_project, by=lead, kind="idea", entry_id=original.pk, confirmed=True
    )
    for copy in copies:
        copy.refresh_from_db()
    assert copies[0].adopted_from is None, "the first to adopt it is the original now"
    assert [copy.adopted_from for copy in copies[1:]] == [copies[0], copies[0]]


# --- the outline -----------------------------------------------------------------------------


def test_an_outline_replaces_a_diagram_without_cycles(client, teammate, members_project):
    build(members_project, "Old driver\n  Old secondary\n    Old idea")
    client.force_login(teammate)
    answer = change(
        client,
        members_project,
        action="outline",
        outline=(
            "- Safe care at every handover\n"
            "\t* A shared picture of risk\n"
            "\t\t• Falls huddle at every handover\n"
            "\n"
            "    Bed rails checked\n"
            "Staff who know the risks\n"
            "    Straight under a primary driver\n"
            "  Training that sticks\n"
        ),
    )
    assert answer.status_code == 302
    assert outline(members_project) == (
        "Safe care at every handover\n"
        "  A shared picture of risk\n"
        "    Falls huddle at every handover\n"
        "    Bed rails checked\n"
        "Staff who know the risks\n"
        "    Straight under a primary driver\n"
        "  Training that sticks"
    )
    assert not ChangeIdea.objects.filter(title="Old idea").exists()
    assert Driver.objects.filter(project=members_project).count() == 4
    page = client.get(answer.headers["Location"]).text
    # The three old lines are renamed in place (same shape); the rest are new.
    assert "The diagram is saved: 4 added, 3 renamed." in page


def test_an_outline_keeps_the_entries_whose_words_it_keeps(lead, members_project):
    build(members_project, "Safe care\n  Shared risk\n    Falls huddle\n    Bed rails\nTraining")
    huddle = ChangeIdea.objects.get(title="Falls huddle")
    shared = Driver.objects.get(text="Shared risk")
    make_cycle(huddle)
    # The huddle moves under another driver, the secondary driver gets a typo fixed in place,
    # bed rails are left out.
    build(
        members_project, "safe care\n  Shared risk picture\nTraining\n  Huddles\n    Falls huddle"
    )
    huddle.refresh_from_db()
    shared.refresh_from_db()
    assert huddle.driver.text == "Huddles", "the same idea, with its cycle, moved"
    assert huddle.cycles.count() == 1
    assert shared.text == "Shared risk picture", "renamed where it stood"
    assert Driver.objects.get(text="safe care").secondary.get() == shared
    assert not ChangeIdea.objects.filter(title="Bed rails").exists()


def test_an_outline_never_removes_an_idea_with_cycles(client, teammate, members_project):
    build(members_project, "Safe care\n  Shared risk\n    Falls huddle\n    Bed rails")
    huddle = ChangeIdea.objects.get(title="Falls huddle")
    make_cycle(huddle)
    client.force_login(teammate)
    answer = change(client, members_project, action="outline", outline="Something else")
    page = client.get(answer.headers["Location"]).text
    assert "Kept, out of the diagram, because of their PDSA cycles" in page
    assert "“Falls huddle”" in page
    huddle.refresh_from_db()
    assert huddle.driver is None
    assert not ChangeIdea.objects.filter(title="Bed rails").exists()
    assert "Change ideas not in the diagram" in page
    assert "Choose its place" in form_of(page, f"idea-{huddle.pk}")
    # The outline box says so before anyone saves it.
    assert "except change ideas with PDSA cycles" in page
    # A line with its words puts it back.
    build(members_project, "Something else\n    Falls huddle")
    huddle.refresh_from_db()
    assert huddle.driver.text == "Something else"


def test_an_idea_with_cycles_is_renamed_in_place_only_by_close_words(lead, members_project):
    build(members_project, "Safe care\n  Shared risk\n    Falls huddle at every handover")
    huddle = ChangeIdea.objects.get()
    make_cycle(huddle)
    build(members_project, "Safe care\n  Shared risk\n    Falls huddle at each handover")
    huddle.refresh_from_db()
    assert huddle.title == "Falls huddle at each handover", "a spelling corrected"
    build(members_project, "Safe care\n  Shared risk\n    Bed alarms on every bed")
    huddle.refresh_from_db()
    assert huddle.title == "Falls huddle at each handover"
    assert huddle.driver is None, "kept, with its cycle, out of the diagram"
    assert ChangeIdea.objects.get(title="Bed alarms on every bed").cycles.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Safe care\n  Shared risk\n    Falls huddle\n      Too deep",
            "Line 4 is indented 3 levels: the outline has three levels",
        ),
        ("  Shared risk\nSafe care", "Line 1 is indented under nothing"),
        (
            "\n\n\tStill nothing above\nSafe care\n",
            "Line 3 is indented under nothing: put a primary driver on a line above it",
        ),
        ("Safe care\n   Three spaces", "Line 2 starts with 3 spaces: indent by two spaces"),
        ("Safe care\n  " + "y" * 301, "Line 2 is longer than 300 characters (301)"),
        ("   \n\n", "Write at least one primary driver, one on each line."),
        ("A\n" * 301, "The outline has 301 lines: a diagram can have 300 at most."),
    ],
)
def test_an_outline_that_cannot_be_read_changes_nothing(
    client, teammate, members_project, text, message
):
    build(members_project, "Safe care\n  Shared risk")
    client.force_login(teammate)
    page = change(client, members_project, action="outline", outline=text)
    assert page.status_code == 200
    field = re.search(
        r'<p class="ds_question__error-message" id="id_outline_error">(.*?)</p>', page.text
    )
    assert field and message in field[1], "said next to the field"
    assert 'href="#id_outline"' in page.text
    assert page.text.startswith("<!DOCTYPE html>") and "<title>Error: " in page.text
    assert outline(members_project) == "Safe care\n  Shared risk"


def test_an_outline_names_only_the_first_few_lines_it_cannot_read():
    with pytest.raises(diagrams.OutlineError) as unreadable:
        diagrams.outline_parse("".join(f"  line {number}\n" for number in range(9)))
    assert unreadable.value.problems[0].startswith("Line 1 is indented under nothing")
    assert len(unreadable.value.problems) == 6
    assert unreadable.value.problems[-1] == "4 more lines cannot be read either."


def test_the_outline_box_starts_with_the_diagram(client, teammate, members_project):
    build(members_project, "Safe care\n  Shared <risk>\n    Falls huddle")
    client.force_login(teammate)
    page = client.get(diagram_url(members_project)).text
    box = re.search(r'<textarea[^>]*name="outline"[^>]*>(.*?)</textarea>', page, re.S)
    assert box[1].strip() == "Safe care\n  Shared &lt;risk&gt;\n    Falls huddle"
    assert "Write or paste the diagram as an outline" in page


# --- the drawing and the list ----------------------------------------------------------------


HOSTILE = 'Rails <script>alert("x")</script> & “quotes”\x01'


def test_the_drawing_is_svg_with_every_driver_and_idea_linked(client, sponsor, members_project):
    build(
        members_project,
        "Safe care at every handover, for every patient on every ward of the hospital\n"
        "  A shared picture of risk\n"
        "    Falls huddle at every handover\n"
        "    Bed rails checked\n"
        "Staff who know the risks\n"
        "    Straight under a primary driver\n",
    )
    ChangeIdea.objects.filter(title="Bed rails checked").update(title=HOSTILE)
    huddle = ChangeIdea.objects.get(title="Falls huddle at every handover")
    make_cycle(huddle, 1)
    make_cycle(huddle, 2)
    client.force_login(sponsor)
    page = client.get(members_project.get_absolute_url()).text
    svg = re.search(r"<svg[^>]*network-driver-diagram.*?</svg>", page, re.S)[0]
    drawing = ElementTree.fromstring(svg)
    assert drawing.get("aria-hidden") == "true"
    assert re.fullmatch(r"0 0 \d+ \d+(\.\d)?", drawing.get("viewBox"))
    assert drawing.get("width") is None, "sized by its viewBox and the page"
    assert not any(element.get("style") for element in drawing.iter())
    assert not [element for element in drawing.iter() if element.tag == f"{SVG}script"]
    words = " ".join(" ".join(text.itertext()) for text in drawing.iter(f"{SVG}text"))
    for text in [
        "Aim",
        "Reduce falls",
        "A shared picture of risk",
        "Falls huddle at every",
        "2 PDSA cycles",
        "Staff who know the risks",
        "Straight under a",
        "Rails <script>alert",
    ]:
        assert text in words
    long_driver = next(
        text for text in drawing.iter(f"{SVG}text") if "".join(text.itertext()).startswith("Safe")
    )
    assert len(list(long_driver)) == 4, "long words wrap into lines inside their box"
    links = {link.get("href"): link for link in drawing.iter(f"{SVG}a")}
    assert set(links) == {idea.get_absolute_url() for idea in ChangeIdea.objects.all()}
    assert all(link.get("tabindex") == "-1" for link in links.values())
    assert "<script>alert" not in page

    # The same content as a nested list, for screen readers and keyboards.
    listing = re.search(r"The diagram as a list</summary>(.*?)</details>", page, re.S)[1]
    for idea in ChangeIdea.objects.all():
        assert f'href="{idea.get_absolute_url()}"' in listing
    assert "Primary driver:</span> Staff who know the risks" in listing
    assert "Secondary driver:</span> A shared picture of risk" in listing
    assert (
        'Falls huddle at every handover</a> <span class="ds_hint-text">(2 PDSA cycles)' in listing
    )
    assert "Rails &lt;script&gt;alert" in listing
    assert members_project.aim in listing
    # Sponsors read it; the team edits it.
    assert "Edit the driver diagram" not in page


def test_the_drawing_places_every_box_inside_its_view():
    class Idea:
        def __init__(self, pk, title, driver_id):
            self.pk, self.title, self.driver_id, self.position = pk, title, driver_id, 0
            self.cycle_count = pk % 3

        def get_absolute_url(self):
            return f"/projects/ideas/idea-{self.pk}/"

    class Branch:
        def __init__(self, pk, text, parent_id=None):
            self.pk, self.text, self.parent_id, self.position = pk, text, parent_id, pk

    drivers = [Branch(1, "One"), Branch(2, "Two " * 30, 1), Branch(3, "Three"), Branch(4, "x", 3)]
    ideas = [
        Idea(number, f"Idea {number} " * number, [1, 2, 4][number % 3]) for number in range(1, 12)
    ]
    drawing = ElementTree.fromstring(
        diagram_svg(aim="An aim " * 40, diagram=arrange(drivers, ideas))
    )
    _, _, width, height = (float(number) for number in drawing.get("viewBox").split())
    for box in drawing.iter(f"{SVG}rect"):
        left, top = float(box.get("x")), float(box.get("y"))
        assert left >= 0 and left + float(box.get("width")) <= width
        assert top >= 0 and top + float(box.get("height")) <= height
    assert len(list(drawing.iter(f"{SVG}a"))) == 11


def test_a_project_without_a_diagram_says_so(client, lead, sponsor, members_project):
    client.force_login(lead)
    page = client.get(members_project.get_absolute_url()).text
    assert "The team has not drawn its driver diagram yet." in page
    assert "Start the driver diagram" in page
    client.force_login(sponsor)
    assert "Start the driver diagram" not in client.get(members_project.get_absolute_url()).text


# --- who may change it -----------------------------------------------------------------------


def test_the_team_edits_and_sponsors_and_other_members_only_read(
    client, lead, teammate, sponsor, bystander, members_project
):
    primary = Driver.objects.create(project=members_project, text="Safe care")
    for editor in (lead, teammate):
        client.force_login(editor)
        assert client.get(diagram_url(members_project)).status_code == 200
        assert "Edit the driver diagram" in client.get(members_project.get_absolute_url()).text
    for reader in (sponsor, bystander):
        client.force_login(reader)
        assert client.get(members_project.get_absolute_url()).status_code == 200
        assert client.get(diagram_url(members_project)).status_code == 403
        for fields in (
            {"action": "rename", "entry": f"driver-{primary.pk}", "text": "Theirs"},
            {"action": "add-driver", "text": "Theirs"},
            {"action": "remove", "entry": f"driver-{primary.pk}"},
            {"action": "outline", "outline": "Theirs"},
        ):
            assert change(client, members_project, **fields).status_code == 403
        removal = f"/projects/{members_project.slug}/diagram/drivers/{primary.pk}/remove/"
        assert client.post(removal).status_code == 403
    assert outline(members_project) == "Safe care"


def test_visitors_and_outsiders_of_a_team_project_find_nothing(
    client, bystander, team_project, public_project
):
    for project in (team_project, public_project):
        primary = Driver.objects.create(project=project, text="Safe care")
        assert client.get(diagram_url(project)).status_code == 404
        assert change(client, project, action="add-driver", text="x").status_code == 404
        assert (
            client.get(f"/projects/{project.slug}/diagram/drivers/{primary.pk}/remove/").status_code
            == 404
        )
    # A visitor sees a public project's summary, without its diagram.
    assert "Driver diagram" not in client.get(public_project.get_absolute_url()).text
    client.force_login(bystander)
    assert client.get(diagram_url(team_project)).status_code == 404
    assert change(client, team_project, action="add-driver", text="x").status_code == 404
    assert Driver.objects.count() == 2


def test_the_services_refuse_whoever_may_not_edit(sponsor, members_project):
    with pytest.raises(diagrams.NotFound):
        diagrams.driver_add(project=members_project, by=sponsor, text="Mine")
    with pytest.raises(diagrams.NotFound):
        diagrams.driver_add(project=members_project, by=AnonymousUser(), text="Mine")
    assert not Driver.objects.exists()


def test_a_change_moves_the_project_up_the_list(teammate, members_project):
    before = members_project.updated_at
    diagrams.driver_add(project=members_project, by=teammate, text="Safe care")
    members_project.refresh_from_db()
    assert members_project.updated_at > before


# --- queries ---------------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _grow(project, primaries):
    lines = []
    for number in range(primaries):
        lines += [
            f"Primary {number}",
            f"  Secondary {number}",
            f"    Idea {number}",
            f"    More {number}",
        ]
        lines += [f"  Other {number}", f"    Idea b{number}"]
    build(project, "\n".join(lines))
    for idea in ChangeIdea.objects.filter(project=project, cycles=None):
        make_cycle(idea)


def test_the_project_page_and_the_editor_keep_their_query_count(
    client, teammate, members_project, django_assert_num_queries
):
    client.force_login(teammate)
    _grow(members_project, 1)
    page, editor = (
        _queries(client, members_project.get_absolute_url()),
        _queries(client, diagram_url(members_project)),
    )
    _grow(members_project, 6)
    assert ChangeIdea.objects.count() == 18
    with django_assert_num_queries(page):
        client.get(members_project.get_absolute_url())
    with django_assert_num_queries(editor):
        client.get(diagram_url(members_project))
