"""A team member builds a small driver diagram from the keyboard, follows a change idea from the
drawing, and records a PDSA cycle on it."""

import pytest
from playwright.sync_api import expect

from projects.models import Project, TeamMember
from projects.services import project_create
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_teammate_builds_a_diagram_and_records_a_cycle(
    live_server, page, accessibility_violations
):
    lead = ProfileFactory(member__name="Lesley Lead").member
    teammate = ProfileFactory(member__name="Tam Teammate").member
    project = project_create(
        lead=lead,
        project=Project(
            title="Fewer falls on our wards",
            aim="Reduce falls with harm on wards 3 and 4 by 30% by March 2027.",
        ),
    )
    TeamMember.objects.create(project=project, member=teammate)

    sign_in(page, live_server, teammate)
    page.goto(f"{live_server.url}{project.get_absolute_url()}")
    page.get_by_role("link", name="Start the driver diagram").click()

    # Quick to fill in: after each entry the same box has the focus again.
    page.get_by_label("Add a primary driver").fill("Safe care at every handover")
    page.get_by_role("button", name="Add primary driver").click()
    expect(page.get_by_label("Add a primary driver")).to_be_focused()
    page.keyboard.type("Staff who know the risks")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Primary driver", exact=True)).to_have_count(2)

    page.get_by_label("Add a secondary driver or a change idea under “Safe care at every").fill(
        "A shared picture of risk"
    )
    page.keyboard.press("Enter")
    page.get_by_label("Add a change idea under “A shared picture of risk”").fill(
        "Falls huddle at every handover"
    )
    page.keyboard.press("Enter")
    expect(page.get_by_label("Add a change idea under “A shared picture of risk”")).to_be_focused()
    page.keyboard.type("Bed rails checked each shift")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Move up change idea “Bed rails checked each shift”").click()
    expect(
        page.get_by_role("button", name="Move up change idea “Bed rails checked each shift”")
    ).to_have_count(0)
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Back to the project").first.click()
    drawing = page.locator("svg.network-driver-diagram")
    expect(drawing).to_be_visible()
    expect(drawing.locator("text", has_text="Falls huddle at every")).to_be_visible()
    page.get_by_text("The diagram as a list").click()
    expect(page.get_by_role("link", name="Falls huddle at every handover")).to_be_visible()
    assert accessibility_violations(page) == []
    # The drawing's boxes are links too, for the mouse.
    drawing.locator("a", has_text="Falls huddle at every").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Falls huddle at every handover")

    page.get_by_role("link", name="Add a PDSA cycle").click()
    page.get_by_label("What do you want to learn?").fill(
        "Will a two-minute huddle fit into the morning handover?"
    )
    page.get_by_label("What do you predict will happen?").fill("It will, four days in five.")
    page.get_by_label("Started on").fill("2026-03-02")
    expect(page.get_by_label("Not decided yet")).to_be_checked()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Save the cycle").click()
    expect(page.get_by_text("PDSA cycle 1 is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="PDSA cycle 1")).to_be_visible()

    page.get_by_role("link", name="Update cycle 1").click()
    page.get_by_label("What was done").fill("Ran on five mornings of seven.")
    page.get_by_label("Finished on").fill("2026-03-08")
    page.get_by_label("What happened, against the prediction").fill("Close to the prediction.")
    page.locator("label.ds_radio__label", has_text="Adapt").click()
    page.get_by_role("button", name="Save the cycle").click()
    ramp = page.locator(".network-ramp")
    expect(ramp).to_contain_text("Cycle 1")
    expect(ramp).to_contain_text("Adapt")
    expect(page.get_by_text("2 March 2026 to 8 March 2026").first).to_be_visible()
    assert accessibility_violations(page) == []
