"""A member completes their profile; a colleague finds them by expertise despite a typo."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    ProfileFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_member_completes_their_profile_and_a_colleague_finds_them(
    live_server, page, accessibility_violations
):
    frailty = TopicFactory(name="Frailty", slug="frailty")
    TopicFactory(name="Falls prevention", slug="falls-prevention")
    OrganisationFactory(
        name="NHS Highland", slug="nhs-highland", kind="health_board", region="north"
    )
    newcomer = MemberFactory(name="Ruaridh Sutherland", email="ruaridh.sutherland@example.org")
    colleague = ProfileFactory(member__email="iona.grant@example.org", member__name="Iona Grant")
    ProfileFactory(member__name="Ruaridh Someone Else", expertise=[TopicFactory()])

    sign_in(page, live_server, newcomer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the network")
    assert accessibility_violations(page) == []
    page.get_by_label("Job title").fill("Advanced nurse practitioner")
    page.get_by_label("Organisation").select_option(label="NHS Highland")
    page.get_by_label("Region").select_option(label="North")
    expertise = page.get_by_role("group", name="Areas of expertise")
    expertise.locator("label", has_text="Frailty").click()
    expect(expertise.get_by_label("Frailty")).to_be_checked()
    page.get_by_label("About me").fill("I run a **frailty** at home team in Caithness.")
    page.get_by_role("button", name="Save my profile").click()

    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ruaridh")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, colleague.member)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    page.get_by_label("Name, job title or expertise").fill("ruaridh sutherlnd")
    page.get_by_label("Expertise", exact=True).select_option(label=frailty.name)
    page.get_by_role("button", name="Show members").click()

    results = page.locator(".ds_search-result")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Advanced nurse practitioner, NHS Highland")
    assert accessibility_violations(page) == []
    results.first.get_by_role("link", name="Ruaridh Sutherland").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruaridh Sutherland")
    expect(page.locator(".network-user-text strong")).to_have_text("frailty")
    assert accessibility_violations(page) == []
