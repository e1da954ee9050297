"""A date and time field keeps the design system's focus ring while its calendar button has
the focus. Driven by the keyboard alone."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FOCUS = """() => {
  const field = document.activeElement, style = getComputedStyle(field);
  return {id: field.id, inner: !field.matches(':focus'), outline: style.outlineStyle,
          ring: style.boxShadow};
}"""


def test_the_calendar_button_keeps_the_focus_ring(live_server, page, coordinator, tmp_path):
    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/events/new/")
    page.get_by_label("Starts").focus()
    seen = []
    for _ in range(8):  # the day, month, year, hour, minute, … parts, then the calendar button
        state = page.evaluate(FOCUS)
        if state["id"] != "id_starts_at":
            break
        seen.append(state)
        page.keyboard.press("Tab")
    assert any(state["inner"] for state in seen), "Tab never reached the calendar button"
    for state in seen:
        assert state["outline"] == "solid" and state["ring"] != "none", state
    page.get_by_label("Starts").focus()
    for _ in range(len(seen) - 1):
        page.keyboard.press("Tab")
    page.get_by_label("Starts").locator("..").screenshot(path=tmp_path / "calendar-button.png")
