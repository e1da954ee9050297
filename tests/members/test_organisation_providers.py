"""The organisations' providers as operators and admins set them up: one set of rules for the
environment (SSO_PROVIDERS) and the admin's page, the admin's page itself, and the start-up
checks that find what the two places disagree on."""

import json

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from base.models import AuditEntry
from members.audit import Action
from members.models import OrganisationProvider
from network.settings import sso_providers
from tests.oidc import CLIENT_ID, provider_running, use_providers

pytestmark = pytest.mark.django_db

ISSUER = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
ISSUER_ONLY = {"server_url": ISSUER, "organisation": ""}


def environment_entry(**overrides) -> dict:
    return {
        "id": "nhs-example",
        "name": "NHS Example",
        "server_url": ISSUER,
        "client_id": "11111111-1111-1111-1111-111111111111",
        "secret": "a-secret",
        "domains": ["example.nhs.scot"],
        **overrides,
    }


def accepted_by_environment(*, allow_plain_http: bool, **overrides) -> bool:
    try:
        sso_providers(
            json.dumps([environment_entry(**overrides)]), allow_plain_http=allow_plain_http
        )
    except ImproperlyConfigured:
        return False
    return True


def admin_form(**overrides) -> dict:
    return {
        "name": "Example Council",
        "provider_id": "example-council",
        "server_url": ISSUER,
        "client_id": "22222222-2222-2222-2222-222222222222",
        "secret": "another-secret",
        "domains": "example.gov.uk",
        **overrides,
    }


def accepted_by_admin(client, **overrides) -> bool:
    response = client.post("/admin/members/organisationprovider/add/", admin_form(**overrides))
    assert response.status_code in {200, 302}, response.status_code
    return response.status_code == 302 and OrganisationProvider.objects.exists()


@pytest.mark.parametrize(
    ("domain", "accepted"),
    [
        ("example.nhs.scot", True),
        ("Example.GOV.uk", True),
        ("@nhs-fife.example.org", True),
        # An internationalised top-level domain, in its ASCII form.
        ("example.xn--p1ai", True),
        ("nhs", False),
        ("-board.example.org", False),
        ("under_score.example.org", False),
        ("exa mple.org", False),
        ("10.0.0.1", False),
    ],
)
def test_the_environment_and_the_admin_accept_the_same_domains(
    client, admin_member, domain, accepted
):
    client.force_login(admin_member)

    assert accepted_by_environment(allow_plain_http=False, domains=[domain]) is accepted
    assert accepted_by_admin(client, domains=domain) is accepted


@pytest.mark.parametrize(
    ("server_url", "debug", "accepted"),
    [
        (ISSUER, False, True),
        ("https://keycloak.example.org:8443/realms/nhs", False, True),
        ("https://login.example.org/x y", False, False),
        ("https://login example.org/v2.0", False, False),
        ("ftp://localhost/issuer", True, False),
        ("https://login.example.org/v2.0?tenant=x", False, False),
        ("https://someone@login.example.org/v2.0", False, False),
        ("https://login.example.org:99999/v2.0", False, False),
        ("http://login.example.org/v2.0", True, False),
        # Plain HTTP to a provider on this machine: the local demo and the tests, DEBUG only.
        ("http://127.0.0.1:9400", True, True),
        ("http://localhost:9400", True, True),
        ("http://127.0.0.1:9400", False, False),
    ],
)
def test_the_environment_and_the_admin_accept_the_same_issuers(
    client, settings, admin_member, server_url, debug, accepted
):
    settings.DEBUG = debug
    client.force_login(admin_member)

    assert accepted_by_environment(allow_plain_http=debug, server_url=server_url) is accepted
    assert accepted_by_admin(client, server_url=server_url) is accepted


def test_the_admin_says_what_is_wrong_with_an_issuer(client, settings, admin_member):
    settings.DEBUG = False
    client.force_login(admin_member)

    response = client.post(
        "/admin/members/organisationprovider/add/",
        admin_form(server_url="http://127.0.0.1:9400"),
    )

    assert "The issuer URL must start with https://" in response.content.decode()
    assert not OrganisationProvider.objects.exists()


# --- the same provider set up in both places --------------------------------------------------


def added_in_the_admin(**overrides) -> OrganisationProvider:
    fields = {
        "provider": "openid_connect",
        "provider_id": "example-council",
        "name": "Example Council",
        "client_id": "22222222-2222-2222-2222-222222222222",
        "secret": "s",
        "settings": {"server_url": ISSUER, "domains": ["example.gov.uk"], "organisation": ""},
        **overrides,
    }
    return OrganisationProvider.objects.create(**fields)


def start_up_check() -> list[str]:
    """What `manage.py check --database default` (and every migrate) tells the operator."""
    return [
        f"{message.id}: {message.msg}"
        for message in checks.run_checks(databases=["default"])
        if message.id and message.id.startswith("members.")
    ]


def test_allauths_name_for_the_kind_of_provider_is_no_provider(client, settings, board):
    with provider_running() as first, provider_running() as second:
        use_providers(
            settings,
            first.config(),
            second.config("council", name="Example Council", domains=["example.gov.uk"]),
        )

        for path in (
            "/accounts/oidc/openid_connect/login/",
            "/accounts/oidc/openid_connect/login/callback/?state=x&code=y",
            "/accounts/oidc/NHS-Example/login/",
        ):
            assert client.get(path).status_code == 404, path
            assert client.post(path).status_code == 404, path


def test_a_provider_in_the_environment_and_the_admin_at_once_is_not_found_and_checks_say_why(
    client, provider
):
    added_in_the_admin(provider_id="nhs-example", settings={**ISSUER_ONLY, "domains": ["a.org"]})

    assert client.get("/accounts/oidc/nhs-example/login/").status_code == 404
    assert client.post("/accounts/oidc/nhs-example/login/").status_code == 404
    callback = "/accounts/oidc/nhs-example/login/callback/?state=x&code=y"
    assert client.get(callback).status_code == 404
    # Neither is offered: which one would a member's sign-in be for?
    response = client.post("/accounts/organisation/", {"email": "ailsa@example.nhs.scot"})
    assert response.status_code == 200
    assert "No organisation's sign-in is set up on this site yet." in response.content.decode()
    assert start_up_check() == [
        "members.E001: The organisation sign-in nhs-example is set up both in SSO_PROVIDERS "
        "and in the admin."
    ]


def test_the_checks_find_a_domain_or_a_client_id_in_both_places(provider):
    added_in_the_admin(
        client_id=CLIENT_ID, settings={**ISSUER_ONLY, "domains": ["example.nhs.scot"]}
    )

    assert start_up_check() == [
        "members.E001: The organisation sign-in example-council (in the admin) has the client "
        "ID of nhs-example (in SSO_PROVIDERS).",
        "members.E001: The organisation sign-in example-council (in the admin) has the domain "
        "example.nhs.scot of nhs-example (in SSO_PROVIDERS).",
    ]


def test_the_checks_warn_of_an_organisation_the_network_does_not_have(settings, provider):
    use_providers(settings, provider.config(organisation="nhs-nowhere"))

    assert start_up_check() == [
        "members.W001: SSO_PROVIDERS names the organisation nhs-nowhere for nhs-example, and "
        "the network has no organisation with that slug."
    ]


def test_the_checks_refuse_a_provider_over_plain_http_once_debug_is_off(settings, provider):
    added_in_the_admin(settings={**ISSUER_ONLY, "server_url": "http://127.0.0.1:9400"})

    settings.DEBUG = True
    assert start_up_check() == []
    settings.DEBUG = False
    assert start_up_check() == [
        "members.E002: The organisation sign-in example-council's issuer URL must start with "
        "https:// (http:// only for a provider on this machine, with DEBUG on)."
    ]


def test_the_checks_say_nothing_of_a_well_set_up_network(provider):
    added_in_the_admin()

    assert start_up_check() == []


# --- the audit log ----------------------------------------------------------------------------


def logged(action) -> list[tuple[str, str]]:
    return [
        (entry.actor.email if entry.actor else "", entry.detail)
        for entry in AuditEntry.objects.filter(action=action).order_by("pk")
    ]


def test_adding_changing_and_removing_a_provider_in_the_admin_is_in_the_audit_log(
    client, admin_member
):
    client.force_login(admin_member)
    client.post("/admin/members/organisationprovider/add/", admin_form())
    saved = OrganisationProvider.objects.get()
    change = f"/admin/members/organisationprovider/{saved.pk}/change/"
    client.post(change, admin_form(domains="example.gov.uk\nexample-council.gov.uk", secret=""))
    client.post(f"/admin/members/organisationprovider/{saved.pk}/delete/", {"post": "yes"})

    who = admin_member.email
    assert logged(Action.ORGANISATION_SIGN_IN_ADDED) == [(who, "Example Council (example-council)")]
    assert logged(Action.ORGANISATION_SIGN_IN_CHANGED) == [
        (who, "Example Council (example-council): domains")
    ]
    assert logged(Action.ORGANISATION_SIGN_IN_REMOVED) == [
        (who, "Example Council (example-council)")
    ]


def test_removing_providers_from_the_admins_list_is_in_the_audit_log(client, admin_member):
    first, second = (
        added_in_the_admin(),
        added_in_the_admin(
            provider_id="fife", name="Fife", client_id="fife", settings={"domains": ["fife.org"]}
        ),
    )
    client.force_login(admin_member)

    client.post(
        "/admin/members/organisationprovider/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )

    assert not OrganisationProvider.objects.exists()
    assert sorted(detail for _, detail in logged(Action.ORGANISATION_SIGN_IN_REMOVED)) == [
        "Example Council (example-council)",
        "Fife (fife)",
    ]


def test_the_admin_shows_connected_accounts_and_what_providers_said_and_changes_none(
    client, provider, admin_member, member
):
    account = SocialAccount.objects.create(
        user=member,
        provider="nhs-example",
        uid="a-subject",
        extra_data={"id_token": {"sub": "a-subject", "email": "morag@example.nhs.scot"}},
    )
    client.force_login(admin_member)
    page = f"/admin/socialaccount/socialaccount/{account.pk}/change/"

    shown = client.get(page).content.decode()
    client.post(page, {"user": admin_member.pk, "provider": "nhs-example", "uid": "another"})

    assert "morag@example.nhs.scot" in shown
    assert 'name="uid"' not in shown
    account.refresh_from_db()
    assert (account.user, account.uid) == (member, "a-subject")
    assert client.get("/admin/socialaccount/socialaccount/add/").status_code == 403


def test_an_admin_who_disconnects_a_members_account_is_in_the_audit_log(
    client, provider, admin_member, member
):
    account = SocialAccount.objects.create(user=member, provider="nhs-example", uid="a-subject")
    client.force_login(admin_member)

    client.post(f"/admin/socialaccount/socialaccount/{account.pk}/delete/", {"post": "yes"})

    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(
        actor=admin_member,
        member=member,
        action=Action.ORGANISATION_ACCOUNT_DISCONNECTED,
        detail="NHS Example",
    ).exists()


# --- a provider members have signed in with ---------------------------------------------------


def test_once_members_have_connected_its_identifier_and_issuer_cannot_change(
    client, admin_member, member
):
    saved = added_in_the_admin()
    SocialAccount.objects.create(user=member, provider="example-council", uid="a-subject")
    client.force_login(admin_member)
    change = f"/admin/members/organisationprovider/{saved.pk}/change/"

    page = client.get(change).content.decode()
    response = client.post(
        change,
        admin_form(
            name="Example Council (renamed)",
            provider_id="example-council-2",
            server_url="https://login.elsewhere.example.org/v2.0",
        ),
    )

    assert 'name="provider_id"' not in page
    assert 'name="server_url"' not in page
    assert ISSUER in page
    assert response.status_code == 302
    saved.refresh_from_db()
    # A new identifier would leave its members' connections behind; another issuer's people
    # with the same subjects would open their accounts.
    assert saved.provider_id == "example-council"
    assert saved.settings["server_url"] == ISSUER
    assert saved.name == "Example Council (renamed)"


def test_before_anyone_connects_its_identifier_and_issuer_may_change(client, admin_member):
    saved = added_in_the_admin()
    client.force_login(admin_member)

    client.post(
        f"/admin/members/organisationprovider/{saved.pk}/change/",
        admin_form(
            provider_id="example-council-2", server_url="https://login.elsewhere.example.org/v2.0"
        ),
    )

    saved.refresh_from_db()
    assert saved.provider_id == "example-council-2"
    assert saved.settings["server_url"] == "https://login.elsewhere.example.org/v2.0"


def test_the_client_secret_is_never_shown_and_stays_when_left_blank(client, admin_member):
    saved = added_in_the_admin(secret="the-old-secret")
    client.force_login(admin_member)
    change = f"/admin/members/organisationprovider/{saved.pk}/change/"

    page = client.get(change).content.decode()
    client.post(change, admin_form(secret=""))
    kept = OrganisationProvider.objects.get().secret
    client.post(change, admin_form(secret="a-new-secret"))

    assert "the-old-secret" not in page
    assert 'type="password" name="secret"' in page
    assert kept == "the-old-secret"
    assert OrganisationProvider.objects.get().secret == "a-new-secret"
    assert [detail for _, detail in logged(Action.ORGANISATION_SIGN_IN_CHANGED)] == [
        "Example Council (example-council): client secret"
    ]
    another = admin_form(secret="", provider_id="fife", client_id="fife", domains="fife.org")
    refused = client.post("/admin/members/organisationprovider/add/", another)
    assert "This field is required." in refused.content.decode()
    assert OrganisationProvider.objects.count() == 1
