"""Admins, coordinators and curators show a second factor before their role counts; members may
choose one. Codes are made as a phone's authenticator app makes them (pyotp)."""

import re
import urllib.parse

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from base.models import AuditEntry
from insights.models import Story
from insights.services import story_submit
from members.audit import Action
from members.roles import COORDINATORS, CURATORS
from members.second_factor import ORGANISATION_SECOND_FACTOR
from tests.factories import (
    PASSWORD,
    ProfileFactory,
    authenticator_code,
    give_second_factor,
    recovery_codes,
)
from tests.network.test_accounts import signed_in_name

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
CODE_STEP = reverse("mfa_authenticate")
SET_UP = reverse("mfa_activate_totp")
RECOVERY_CODES = reverse("mfa_view_recovery_codes")
STAFF_PAGE = reverse("insights:story_review_list")


@pytest.fixture
def new_coordinator(db):
    """A coordinator just given the role, who has not set up a second factor yet."""
    person = ProfileFactory(
        member__name="Nina Newrole", member__email="nina.newrole@example.org"
    ).member
    person.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])
    return person


@pytest.fixture
def unpublished_story(member):
    return Story.objects.create(
        author=member,
        title="Waiting for a coordinator",
        change="c",
        place="p",
        result="r",
        features=["common_purpose"],
    )


def sign_in_with_password(client, person, **extra):
    return client.post(LOGIN, {"login": person.email, "password": PASSWORD, **extra})


def the_key_on(page) -> str:
    match = re.search(r'<code class="network-secret" id="authenticator-key">(\w+)</code>', page)
    assert match, "the page shows the key to type into the app"
    return match.group(1)


# allauth tells the site of a new app once its transaction commits (members.second_factor
# records it then as shown in the session): the tests that set one up commit theirs.
SETS_UP = pytest.mark.django_db(transaction=True)


def set_up_an_app(client) -> pyotp.TOTP:
    """What a member does on the set-up page: add the key to their phone, type its code."""
    phone = pyotp.TOTP(the_key_on(client.get(SET_UP).content.decode()))
    response = client.post(SET_UP, {"code": phone.now()})
    assert response["Location"] == RECOVERY_CODES
    return phone


# --- staff without a second factor ---------------------------------------------------------


@SETS_UP
def test_a_coordinator_is_asked_to_set_one_up_at_sign_in_then_reaches_their_pages(
    client, new_coordinator, unpublished_story
):
    signed_in = sign_in_with_password(client, new_coordinator)

    assert signed_in["Location"] == SET_UP
    page = client.get(SET_UP).content.decode()
    assert "need a second factor to use their role" in page
    assert "Set up an authenticator app" in page
    # Until it is set up, the role counts for nothing: staff pages send them back to it, and
    # what only coordinators see is not there.
    assert client.get(STAFF_PAGE)["Location"] == SET_UP
    assert client.get(unpublished_story.get_absolute_url()).status_code == 404

    phone = set_up_an_app(client)

    codes = client.get(RECOVERY_CODES).content.decode()
    assert "Your recovery codes" in codes
    assert all(code in codes for code in recovery_codes(new_coordinator))
    # They were on their way to the review page: "continue" takes them there.
    assert client.get(reverse("members:second_factor_continue"))["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200
    assert client.get(unpublished_story.get_absolute_url()).status_code == 200

    # The next sign-in asks for the app's code after the password.
    client.logout()
    assert sign_in_with_password(client, new_coordinator)["Location"] == CODE_STEP
    assert signed_in_name(client) is None
    client.post(CODE_STEP, {"code": phone.now()})
    assert signed_in_name(client) == "Nina Newrole"


def test_staff_pages_and_the_admin_send_staff_without_one_to_set_it_up(client, new_coordinator):
    curator = ProfileFactory(member__name="Cal Curator").member
    curator.groups.add(Group.objects.get_or_create(name=CURATORS)[0])
    admin = ProfileFactory(member__is_staff=True, member__is_superuser=True).member

    for person, page in [
        (new_coordinator, reverse("mentoring:cohorts")),
        (curator, reverse("bulletins:create")),
        (admin, reverse("admin:index")),
        (admin, reverse("admin:members_user_changelist")),
    ]:
        client.force_login(person)
        response = client.get(page, follow=True)

        assert response.redirect_chain[0] == (SET_UP, 302)
        assert "need a second factor to use their role" in response.content.decode()


@SETS_UP
def test_a_session_signed_in_with_the_password_alone_gains_nothing_when_another_sets_one_up(
    client, new_coordinator, unpublished_story
):
    """Someone who has the password of a coordinator without a second factor stays a member
    in their session when the coordinator sets one up in their own browser."""
    other_browser = Client()
    sign_in_with_password(other_browser, new_coordinator)
    assert other_browser.get(STAFF_PAGE)["Location"] == SET_UP

    sign_in_with_password(client, new_coordinator)
    set_up_an_app(client)

    assert client.get(STAFF_PAGE).status_code == 200
    assert other_browser.get(STAFF_PAGE)["Location"] == SET_UP
    assert other_browser.get(unpublished_story.get_absolute_url()).status_code == 404


def test_a_reset_ends_the_role_in_every_session_that_showed_the_old_one(
    client, admin_member, coordinator, unpublished_story
):
    coordinators_browser = Client()
    coordinators_browser.force_login(coordinator)
    assert coordinators_browser.get(STAFF_PAGE).status_code == 200
    client.force_login(admin_member)

    client.post(
        reverse("admin:members_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [coordinator.pk]},
    )

    assert coordinators_browser.get(STAFF_PAGE)["Location"] == SET_UP
    assert coordinators_browser.get(unpublished_story.get_absolute_url()).status_code == 404
    # A new app set up in another session does not bring the role back to this one.
    give_second_factor(coordinator)
    assert coordinators_browser.get(STAFF_PAGE)["Location"] == SET_UP


def test_what_waits_for_a_coordinator_is_not_listed_until_their_role_counts(
    client, new_coordinator, unpublished_story, member
):
    story_submit(story=unpublished_story, author=member)
    sign_in_with_password(client, new_coordinator)

    listed = client.get(reverse("members:notifications")).content.decode()
    own_page = client.get(reverse("members:me")).content.decode()

    assert "Waiting for a coordinator" not in listed
    assert "Waiting for a coordinator" not in own_page
    give_second_factor(new_coordinator)
    client.logout()
    sign_in_with_password(client, new_coordinator)
    client.post(CODE_STEP, {"code": authenticator_code(new_coordinator)})
    assert (
        "Waiting for a coordinator" in client.get(reverse("members:notifications")).content.decode()
    )


def test_confirming_it_is_you_with_the_apps_code_posts_to_its_own_page(client, coordinator):
    client.force_login(coordinator)
    page = reverse("mfa_reauthenticate")

    form = client.get(page).content.decode()
    confirmed = client.post(page, {"code": authenticator_code(coordinator)})

    assert f'action="{page}"' in form
    assert confirmed.status_code == 302


def test_a_member_without_a_role_is_never_asked_for_one(client, member):
    ProfileFactory(member=member)

    signed_in = sign_in_with_password(client, member)

    assert signed_in["Location"] == reverse("members:me")
    preferences = client.get(reverse("members:preferences")).content.decode()
    assert f'<a href="{reverse("mfa_index")}">Set up a second factor</a>' in preferences


@SETS_UP
def test_a_member_may_choose_one_and_is_then_asked_for_it(client, member):
    ProfileFactory(member=member)
    sign_in_with_password(client, member)

    phone = set_up_an_app(client)
    client.logout()

    assert sign_in_with_password(client, member)["Location"] == CODE_STEP
    client.post(CODE_STEP, {"code": phone.now()})
    assert signed_in_name(client) == member.name


# --- signing in with one -------------------------------------------------------------------


def test_the_password_alone_does_not_sign_staff_in(client, coordinator):
    assert sign_in_with_password(client, coordinator)["Location"] == CODE_STEP

    assert signed_in_name(client) is None
    assert client.get(STAFF_PAGE)["Location"].startswith(LOGIN)


def test_a_wrong_code_is_refused_with_a_message_and_the_right_one_signs_in(client, coordinator):
    sign_in_with_password(client, coordinator)
    right = authenticator_code(coordinator)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = client.post(CODE_STEP, {"code": wrong})

    page = refused.content.decode()
    assert "That code is not right" in page
    assert 'id="error-summary"' in page
    assert signed_in_name(client) is None
    client.post(CODE_STEP, {"code": right})
    assert signed_in_name(client) == coordinator.name
    assert client.get(STAFF_PAGE).status_code == 200


def test_each_code_signs_in_once(client, coordinator):
    code = authenticator_code(coordinator)
    sign_in_with_password(client, coordinator)
    client.post(CODE_STEP, {"code": code})
    client.logout()

    sign_in_with_password(client, coordinator)
    again = client.post(CODE_STEP, {"code": code})

    assert "That code is not right" in again.content.decode()
    assert signed_in_name(client) is None


def test_a_lost_phone_a_recovery_code_signs_in_once(client, curator):
    code = recovery_codes(curator)[0]
    sign_in_with_password(client, curator)

    client.post(CODE_STEP, {"code": code})

    assert signed_in_name(client) == curator.name
    client.logout()
    sign_in_with_password(client, curator)
    assert "That code is not right" in client.post(CODE_STEP, {"code": code}).content.decode()


# --- an organisation's sign-in that asked for a second factor ------------------------------


def test_an_organisations_second_factor_counts_for_its_session(client, new_coordinator):
    client.force_login(new_coordinator)
    assert client.get(STAFF_PAGE)["Location"] == SET_UP

    session = client.session
    session[ORGANISATION_SECOND_FACTOR] = True
    session.save()

    assert client.get(STAFF_PAGE).status_code == 200
    client.logout()
    client.force_login(new_coordinator)
    assert client.get(STAFF_PAGE)["Location"] == SET_UP, "it ends with the session"


def test_a_password_sign_in_does_not_inherit_an_earlier_organisation_sign_in(client, coordinator):
    session = client.session
    session[ORGANISATION_SECOND_FACTOR] = True
    session.save()

    assert sign_in_with_password(client, coordinator)["Location"] == CODE_STEP
    client.post(CODE_STEP, {"code": authenticator_code(coordinator)})

    assert signed_in_name(client) == coordinator.name
    assert ORGANISATION_SECOND_FACTOR not in client.session


# --- against a real provider (tests/oidc.py), as members.sso signs members in ---------------

WORK_ADDRESS = "iona.grant@example.nhs.scot"


def sign_in_at_the_organisation(client, provider, *, amr):
    provider.person("iona", email=WORK_ADDRESS, email_verified=True, name="Iona Grant", amr=amr)
    started = client.post("/accounts/organisation/", {"email": WORK_ADDRESS})
    back = urllib.parse.urlsplit(provider.sign_in(started["Location"], "iona"))
    return client.get(f"{back.path}?{back.query}")


@pytest.fixture
def staff_at_work(db):
    person = ProfileFactory(member__name="Iona Grant", member__email=WORK_ADDRESS).member
    person.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])
    return person


def test_an_organisation_that_asked_for_a_second_factor_spares_the_code(
    client, provider, staff_at_work
):
    give_second_factor(staff_at_work)

    answer = sign_in_at_the_organisation(client, provider, amr=["pwd", "mfa"])

    assert answer["Location"] != CODE_STEP
    assert signed_in_name(client) == "Iona Grant"
    assert client.get(STAFF_PAGE).status_code == 200


def test_an_organisation_that_did_not_still_leaves_the_code_to_ask(client, provider, staff_at_work):
    give_second_factor(staff_at_work)

    assert sign_in_at_the_organisation(client, provider, amr=["pwd"])["Location"] == CODE_STEP
    assert signed_in_name(client) is None

    client.post(CODE_STEP, {"code": authenticator_code(staff_at_work)})
    assert signed_in_name(client) == "Iona Grant"
    assert client.get(STAFF_PAGE).status_code == 200


@pytest.mark.parametrize(("amr", "sent_to_set_up"), [(["pwd", "mfa"], False), (["pwd"], True)])
def test_staff_without_an_authenticator_of_their_own_need_the_organisations(
    client, provider, staff_at_work, amr, sent_to_set_up
):
    answer = sign_in_at_the_organisation(client, provider, amr=amr)

    assert signed_in_name(client) == "Iona Grant"
    assert (answer["Location"] == SET_UP) is sent_to_set_up
    assert (client.get(STAFF_PAGE).status_code == 302) is sent_to_set_up


# --- an admin resets a lost one ------------------------------------------------------------


def test_an_admin_resets_a_lost_second_factor_and_the_log_records_it(
    client, admin_member, coordinator, mailoutbox
):
    client.force_login(admin_member)

    response = client.post(
        reverse("admin:members_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [coordinator.pk]},
        follow=True,
    )

    assert "The second factor of Chris Coordinator is removed" in response.content.decode()
    assert not Authenticator.objects.filter(user=coordinator).exists()
    entry = AuditEntry.objects.get(action=Action.SECOND_FACTOR_RESET)
    assert (entry.actor, entry.member, entry.detail) == (
        admin_member,
        coordinator,
        "authenticator app, recovery codes",
    )
    (notice,) = [m for m in mailoutbox if m.to == [coordinator.email]]
    assert "An admin removed the second factor" in notice.subject
    assert "your role needs one" in notice.body
    # The coordinator signs in with their password and is asked to set up a new one.
    client.logout()
    assert sign_in_with_password(client, coordinator)["Location"] == SET_UP


def test_an_admin_does_not_reset_their_own_by_selecting_everyone(client, admin_member, coordinator):
    client.force_login(admin_member)

    response = client.post(
        reverse("admin:members_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [admin_member.pk, coordinator.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Your own second factor is not reset here" in page
    assert "The second factor of Chris Coordinator is removed" in page
    assert Authenticator.objects.filter(user=admin_member).exists()
    assert not Authenticator.objects.filter(user=coordinator).exists()


def test_the_members_list_shows_who_has_a_second_factor_and_no_page_shows_their_keys(
    client, admin_member, new_coordinator
):
    client.force_login(admin_member)

    page = client.get(reverse("admin:members_user_changelist")).content.decode()

    assert "second factor" in page.lower()
    assert page.count('alt="True"') >= 1 and page.count('alt="False"') >= 1
    # allauth's own list would show each app's key to any admin, and remove one unrecorded.
    assert client.get("/admin/mfa/authenticator/").status_code == 404


# --- personal data -------------------------------------------------------------------------


def test_closing_an_account_removes_its_second_factor_and_the_export_names_it(client, coordinator):
    ProfileFactory(member=coordinator)
    client.force_login(coordinator)

    exported = client.get(reverse("members:export")).json()["account"]["second_factor"]
    assert sorted(item["kind"] for item in exported) == ["recovery_codes", "totp"]
    secret = Authenticator.objects.get(user=coordinator, type="totp").data["secret"]
    assert secret not in str(exported)

    client.post(reverse("members:delete"), {"password": PASSWORD})

    assert not Authenticator.objects.filter(user=coordinator).exists()


def test_the_set_up_page_refuses_a_wrong_code_next_to_the_field(client, new_coordinator):
    sign_in_with_password(client, new_coordinator)
    client.get(SET_UP)

    response = client.post(SET_UP, {"code": "000000"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "That code is not right" in page
    assert 'id="error-summary"' in page
    assert not Authenticator.objects.filter(user=new_coordinator).exists()


def test_security_keys_may_be_asked_for_by_the_site_alone(client):
    features = dict(
        part.strip().split("=", 1)
        for part in client.get(reverse("home")).headers["Permissions-Policy"].split(",")
    )

    assert features["publickey-credentials-create"] == "(self)"
    assert features["publickey-credentials-get"] == "(self)"
    assert features["camera"] == "()"
