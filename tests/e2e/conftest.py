from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, authenticator_code

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def accessibility_violations():
    """Runs axe-core in the page and returns the violations of moderate impact or worse
    (moderate includes heading order and landmarks)."""

    def check(page) -> list[str]:
        # Evaluated from outside the page: the site's Content Security Policy refuses inline script.
        page.evaluate(AXE.read_text())
        violations = page.evaluate("async () => (await axe.run(document)).violations")
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            for violation in violations
            if violation["impact"] in {"moderate", "serious", "critical"}
        ]

    return check


def sign_in(page, live_server, member) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Staff have a second factor: the code from their phone, as they would type it.
    if Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists():
        page.get_by_label("Code from your authenticator app").fill(authenticator_code(member))
        page.get_by_role("button", name="Sign in").click()


def tab_to(page, name: str, *, limit: int = 120) -> None:
    """Presses Tab until the element whose text (or a button's value) is `name` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement.innerText || document.activeElement.value || ''"
        )
        if " ".join(focused.split()) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")
