"""The curator's sending page: the figures change in a polite live region, and focus on "Try the
failed again" stays while they do. Driven by the keyboard alone."""

import pytest
from playwright.sync_api import expect

from base.models import Email
from bulletins import services
from tests.bulletins.conftest import add_section, copies, make_bulletin, subscribe
from tests.e2e.conftest import sign_in, tab_to
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_focus_stays_on_the_retry_button_while_the_figures_change(
    live_server, page, curator, accessibility_violations, tmp_path
):
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, text="Three new tools.")
    subscribe(*MemberFactory.create_batch(3))
    services.bulletin_send(bulletin=bulletin)
    # Nobody sends here: one copy failed, two wait.
    copies().filter(pk=copies().first().pk).update(status=Email.Status.FAILED, error="Refused")
    sign_in(page, live_server, curator)
    page.goto(f"{live_server.url}{bulletin.get_absolute_url()}")

    status = page.get_by_role("region", name="Sending").get_by_role("status")
    expect(status).to_contain_text("0 sent, 2 waiting, 1 failed")
    tab_to(page, "Try the 1 failed again")
    page.evaluate("() => { document.activeElement.dataset.seen = 'yes'; }")

    waiting = copies().filter(status=Email.Status.QUEUED).first()
    copies().filter(pk=waiting.pk).update(status=Email.Status.SENT)
    expect(status).to_contain_text("1 sent, 1 waiting, 1 failed", timeout=10_000)
    with page.expect_response(lambda response: "/progress/" in response.url):
        pass  # one more refresh after the change

    assert page.evaluate("() => document.activeElement.dataset.seen") == "yes"
    expect(page.get_by_role("button", name="Try the 1 failed again")).to_be_focused()
    assert accessibility_violations(page) == []
    page.screenshot(path=tmp_path / "progress.png", full_page=True)
