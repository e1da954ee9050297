"""A member types a misspelt topic, sees grouped results, and opens a person and a resource."""

import pytest
from playwright.sync_api import expect

from search.services import words_refresh
from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory, TopicFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_member_finds_people_and_know_how_despite_a_slip(
    live_server, page, member, accessibility_violations
):
    dementia = TopicFactory(name="Dementia")
    ProfileFactory(member__name="Duncan Reid", job_title="Dementia nurse", expertise=[dementia])
    make_resource("Dementia-friendly wards", summary="What changed on three dementia wards.")
    words_refresh()

    sign_in(page, live_server, member)
    search_box = page.get_by_role("combobox", name="Search the network")
    search_box.fill("Dunc")  # suggestions by name while typing
    expect(page.get_by_role("option", name="Duncan Reid")).to_be_visible()
    expect(page.locator("#site-search-status")).to_have_text("1 suggestion below the search box")
    assert accessibility_violations(page) == []
    search_box.press("Escape")
    expect(page.locator("#site-search-suggestions li")).to_have_count(0)
    search_box.fill("dementai")
    search_box.press("Enter")

    expect(page.get_by_text("Showing results for dementia")).to_be_visible()
    expect(page.get_by_role("heading", name="People (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Resources (1)")).to_be_visible()
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Duncan Reid").first.click()
    expect(page.get_by_role("heading", level=1, name="Duncan Reid")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Dementia-friendly wards").click()
    expect(page.get_by_role("heading", level=1, name="Dementia-friendly wards")).to_be_visible()
