"""A coordinator opens the network's impact, narrows it to one region and downloads a CSV; the
page uses the full width and reflows at 320 px, each wide table scrolling in its own box."""

import pytest
from playwright.sync_api import expect

from members.models import Region
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_coordinator_narrows_insights_to_a_region_and_downloads_the_figures(
    live_server, page, coordinator, accessibility_violations
):
    for region in (Region.WEST, Region.WEST, Region.NORTH):
        ProfileFactory(region=region)

    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/insights/")
    expect(page.get_by_role("heading", name="New members")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_text("The figures in a table for New members").click()
    expect(page.get_by_role("region", name="The figures of New members")).to_be_visible()
    assert accessibility_violations(page) == []
    page.get_by_label("Region", exact=True).select_option(label="West")
    page.get_by_role("button", name="Show the figures").click()
    expect(page.get_by_text("for members in the West region")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the figures (CSV) for new members").click()
    download = download_info.value
    with open(download.path(), encoding="utf-8-sig") as figures:
        lines = figures.read().strip().splitlines()

    assert download.suggested_filename == "new-members-12-months-west.csv"
    assert lines[0] == "month,New members (members in the West region)"
    assert lines[-2] == "total for the last 12 months,2"


def test_the_insights_page_fits_320_px_without_scrolling_sideways(
    live_server, page, coordinator, accessibility_violations
):
    ProfileFactory()
    sign_in(page, live_server, coordinator)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}/insights/")
    expect(page.get_by_role("heading", name="New members")).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.locator(".network-table-scroll").count() >= 3
    assert accessibility_violations(page) == []


def test_the_insights_page_puts_a_features_measures_side_by_side(live_server, page, coordinator):
    sign_in(page, live_server, coordinator)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/insights/")

    measures = page.locator(".network-measures").first.locator(".network-measure")
    tops = {round(box["y"]) for box in (m.bounding_box() for m in measures.all()[:3])}
    assert len(tops) == 1, "the first three measures of a feature share one row"
