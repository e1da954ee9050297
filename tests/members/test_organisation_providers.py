"""The organisations' providers as operators and admins set them up: one set of rules for the
environment (SSO_PROVIDERS) and the admin's page, the admin's page itself, and the start-up
checks that find what the two places disagree on."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from members.models import OrganisationProvider
from network.settings import sso_providers

pytestmark = pytest.mark.django_db

ISSUER = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"


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
