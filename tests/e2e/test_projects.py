"""A team lead starts an improvement project, adds a measure, uploads its figures and sees the
shift after the change marked on the chart."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FIGURES = (
    "period,value\n"
    + "".join(
        f"2025-{month:02d}-01,{value}\n"
        for month, value in enumerate([20, 22, 19, 21, 23, 18, 20, 22, 21, 19, 20, 22], start=1)
    )
    + "".join(
        f"2026-{month:02d}-01,{value}\n"
        for month, value in enumerate([14, 13, 15, 12, 14, 13, 12, 14], start=1)
    )
)


def test_a_lead_uploads_figures_and_sees_the_shift_on_the_chart(
    live_server, page, accessibility_violations
):
    lead = ProfileFactory(member__name="Lesley Lead", slug="lesley-lead").member
    sign_in(page, live_server, lead)

    page.goto(f"{live_server.url}/projects/new/")
    page.get_by_label("Name of the project").fill("Fewer falls on wards 3 and 4")
    page.get_by_label("Aim statement").fill(
        "Reduce falls with harm on wards 3 and 4 by 30% by March 2027, for older people."
    )
    page.get_by_role("button", name="Start the project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fewer falls on wards 3 and 4")

    page.get_by_role("link", name="Add a measure").click()
    assert accessibility_violations(page) == []
    page.get_by_label("Name of the measure").fill("Falls with harm")
    page.get_by_label("Operational definition").fill(
        "Falls with harm recorded in Datix on wards 3 and 4, counted by month."
    )
    page.get_by_label("Unit (optional)").fill("falls")
    page.locator("label", has_text="Lower is better").click()
    page.locator("label", has_text="Run chart: values around their median").click()
    page.locator("label", has_text="NHS Making Data Count (control charts)").click()
    page.get_by_role("button", name="Add the measure").click()
    # The rules must fit the chart: said next to the field, and nothing is lost.
    expect(page.get_by_role("alert")).to_contain_text("are not for a run chart")
    expect(page.get_by_label("Name of the measure")).to_have_value("Falls with harm")
    page.locator("label", has_text="IHI run chart rules (shift, trend, runs)").click()
    page.get_by_role("button", name="Add the measure").click()
    expect(page.get_by_text("Falls with harm is added: now add its figures.")).to_be_visible()
    assert accessibility_violations(page) == []

    page.get_by_label("A CSV file of figures").set_input_files(
        files=[{"name": "falls.csv", "mimeType": "text/csv", "buffer": FIGURES.encode()}]
    )
    page.get_by_role("button", name="Upload the file").click()
    expect(page.get_by_text("The file is uploaded. 20 rows added.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Falls with harm")
    chart = page.locator("figure svg").first
    expect(chart).to_be_visible()
    expect(page.locator("figure")).to_contain_text(
        "A shift of 8 points below the median since January 2026: an improvement."
    )
    expect(chart).to_contain_text(re.compile("shift", re.IGNORECASE))
    expect(page.get_by_role("table").first).to_contain_text("shift")
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Back to Fewer falls on wards 3 and 4").click()
    expect(page.locator(".network-project-measure figcaption")).to_contain_text("A shift of 8")
    assert accessibility_violations(page) == []


def test_another_member_reads_a_project_and_a_visitor_its_public_summary(
    live_server, page, accessibility_violations
):
    from projects.measures import measure_analysed
    from tests.projects.conftest import make_measure, make_project

    lead = ProfileFactory(member__name="Lesley Lead", slug="lesley-lead").member
    reader = ProfileFactory(member__name="Bev Bystander", slug="bev-bystander").member
    project = make_project(lead, title="Timely pressure ulcer checks", visibility="public")
    project.public_charts = True
    project.save()
    before, after = [21.5, 23, 20, 22, 24, 19, 21, 23, 22, 20], [14, 13, 15, 12, 14, 13, 12]
    measure_analysed(make_measure(project, title="Checks missed", values=before + after))
    address = f"{live_server.url}{project.get_absolute_url()}"

    # A visitor: the aim and the chart with what it shows, none of the figures or the team.
    page.goto(address)
    expect(page.get_by_role("heading", level=1)).to_have_text("Timely pressure ulcer checks")
    expect(page.locator("figure")).to_contain_text("A shift of 7 points below the median")
    expect(page.get_by_text("Lesley Lead")).to_have_count(0)
    expect(page.get_by_role("link", name="Download CSV")).to_have_count(0)
    assert "21.5" not in page.content()
    assert accessibility_violations(page) == []

    # Another member: the team, the figures and their downloads, and no way to change them.
    sign_in(page, live_server, reader)
    page.goto(address)
    expect(page.get_by_role("link", name="Lesley Lead")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    expect(page.get_by_role("link", name="Add a measure")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit the project")).to_have_count(0)
    page.get_by_role("link", name="Checks missed", exact=True).click()
    expect(page.get_by_role("table").first).to_contain_text("21.5")
    expect(page.get_by_role("link", name="Add or change figures")).to_have_count(0)
    assert accessibility_violations(page) == []
