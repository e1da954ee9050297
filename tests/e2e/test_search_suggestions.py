"""The header's search suggestions by keyboard alone: the combobox pattern (arrow keys, Enter,
Escape), and a list that closes when focus leaves the box, so that it never covers the links
below it (WCAG 2.4.11), even 320 px wide."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def tab_to(page, reached: str) -> None:
    """Tab until `reached` (a script's condition on the focused element `here`) holds."""
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(f"(here => {reached})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {reached}")


SEARCH_BOX = "here.id === 'site-search'"


def suggestions(page):
    return page.locator("#site-search-suggestions")


def uncovered(page, name: str) -> bool:
    """Whether the middle of the account bar's control `name` is the control itself, not
    something drawn over it."""
    control = (
        page.locator(".network-account-bar")
        .get_by_role("link", name=name)
        .or_(page.locator(".network-account-bar").get_by_role("button", name=name))
    )
    control.scroll_into_view_if_needed()
    return control.evaluate(
        """(control) => {
            const box = control.getBoundingClientRect();
            const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return control === top || control.contains(top);
        }"""
    )


def test_suggestions_by_keyboard_alone(live_server, page, member, accessibility_violations):
    ProfileFactory(member__name="Duncan Reid", job_title="Dementia nurse")
    ProfileFactory(member__name="Duncan Ross", job_title="Pharmacist")
    sign_in(page, live_server, member)
    box = page.get_by_role("combobox", name="Search the network")
    tab_to(page, SEARCH_BOX)

    page.keyboard.type("Duncan")
    expect(suggestions(page).get_by_role("option")).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#site-search-status")).to_have_text("2 suggestions below the search box")
    assert accessibility_violations(page) == []

    page.keyboard.press("ArrowDown")
    first = suggestions(page).get_by_role("option", name="Duncan Reid")
    expect(first).to_have_attribute("aria-selected", "true")
    first_id = first.get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    page.keyboard.press("ArrowDown")
    expect(suggestions(page).get_by_role("option", name="Duncan Ross")).to_have_attribute(
        "aria-selected", "true"
    )
    page.keyboard.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    assert accessibility_violations(page) == []

    page.keyboard.press("Escape")  # closes the list, keeps the words and the focus
    expect(suggestions(page).get_by_role("option")).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", first_id)
    expect(page.locator("#site-search-status")).to_have_text("")
    expect(box).to_have_value("Duncan")
    expect(box).to_be_focused()

    page.keyboard.press("Backspace")  # typing again brings the suggestions back
    expect(suggestions(page).get_by_role("option")).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Duncan Reid")).to_be_visible()


def test_suggestions_close_when_focus_leaves_the_box_even_320_px_wide(
    live_server, page, member, accessibility_violations
):
    ProfileFactory(member__name="Duncan Reid", job_title="Dementia nurse")
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, live_server, member)
    tab_to(page, SEARCH_BOX)
    page.keyboard.type("Dunc")
    expect(suggestions(page).get_by_role("option", name="Duncan Reid")).to_be_visible()

    page.keyboard.press("Tab")

    expect(suggestions(page).get_by_role("option")).to_have_count(0)
    expect(page.locator("#site-search-suggestions")).to_be_hidden()
    expect(page.get_by_role("combobox", name="Search the network")).to_have_attribute(
        "aria-expanded", "false"
    )
    expect(page.locator("#site-search-status")).to_have_text("")
    for name in ["Notifications", "My page", "Sign out"]:
        assert uncovered(page, name), f"{name} is covered"
    tab_to(page, "here.textContent.trim() === 'Sign out'")  # on by keyboard to the account bar
    assert uncovered(page, "Sign out")
    assert accessibility_violations(page) == []
