"""After a failed submission the error summary takes focus, whatever the page's address says,
and each of its links names the field it goes to. Driven by the keyboard alone."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, tab_to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_error_summary_names_each_field(
    live_server, page, coordinator, accessibility_violations, tmp_path
):
    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/events/new/")
    tab_to(page, "Publish the event")
    page.keyboard.press("Enter")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    assert "Choose the type" in texts
    assert "Enter the summary" in texts
    assert "Choose the format" in texts
    assert "This field is required." not in texts
    assert len(texts) == len(set(texts))
    page.screenshot(path=tmp_path / "error-summary.png")

    # Beside the field, the same words.
    expect(page.locator("#id_kind_error")).to_have_text("Choose the type")
    expect(page.locator("#id_summary_error")).to_have_text("Enter the summary")
    assert accessibility_violations(page) == []


def test_the_error_summary_takes_focus_whatever_the_address_names(live_server, page, coordinator):
    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/events/new/")

    # The skip link puts "#main-content" in the address.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")
    tab_to(page, "Publish the event")
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    assert "#" not in page.url

    # Following a link of the summary goes to its field, and a second failed submission
    # brings focus back to the summary, not to that field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#id_kind_0")).to_be_focused()
    page.keyboard.press("Space")  # ticks the first type: one problem fewer
    tab_to(page, "Publish the event")
    page.keyboard.press("Enter")
    expect(summary).to_be_focused()
    assert "Choose the type" not in summary.get_by_role("link").all_inner_texts()
    assert "#" not in page.url

    # Arriving from any address with a fragment, the form posts to the page itself.
    page.goto(f"{live_server.url}/events/new/#id_title")
    actions = page.eval_on_selector_all(
        "main form", "forms => forms.map(f => f.getAttribute('action'))"
    )
    assert actions and all(action and "#" not in action for action in actions)
