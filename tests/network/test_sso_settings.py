"""SSO_PROVIDERS: the organisations' providers from the environment. A malformed value stops
start-up with a message that names the variable, like every other setting."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from network.settings import sso_providers
from tests.network.test_settings import PRODUCTION, named_services, run_django  # noqa: F401

ENTRY = {
    "id": "nhs-example",
    "name": "NHS Example",
    "server_url": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
    "client_id": "11111111-1111-1111-1111-111111111111",
    "secret": "a-secret",
    "domains": ["example.nhs.scot"],
    "organisation": "nhs-example",
}


def test_a_provider_becomes_an_allauth_app_with_its_domains_and_organisation():
    (app,) = sso_providers(json.dumps([{**ENTRY, "domains": ["Example.NHS.scot"]}]))

    assert app == {
        "provider_id": "nhs-example",
        "name": "NHS Example",
        "client_id": ENTRY["client_id"],
        "secret": "a-secret",
        "settings": {
            "server_url": ENTRY["server_url"],
            "domains": ["example.nhs.scot"],
            "organisation": "nhs-example",
        },
    }
    assert sso_providers("") == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "SSO_PROVIDERS is not valid JSON"),
        (json.dumps(ENTRY), "SSO_PROVIDERS must be a JSON list of providers"),
        (json.dumps(["nhs"]), "SSO_PROVIDERS entry 1 must be an object"),
        (json.dumps([{**ENTRY, "tenant": "x"}]), "SSO_PROVIDERS entry 1 has unknown keys: tenant"),
        (
            json.dumps([{k: v for k, v in ENTRY.items() if k != "domains"}]),
            "SSO_PROVIDERS entry 1 lacks domains",
        ),
        (json.dumps([{**ENTRY, "secret": ""}]), "SSO_PROVIDERS entry 1: secret must be"),
        (json.dumps([{**ENTRY, "id": "NHS Example"}]), "id must be lower-case letters"),
        (json.dumps([ENTRY, ENTRY]), "SSO_PROVIDERS provider 'nhs-example' is listed twice"),
        (
            json.dumps([{**ENTRY, "server_url": "http://login.example.org/v2.0"}]),
            "server_url must start with https://",
        ),
        (json.dumps([{**ENTRY, "domains": []}]), "domains must be a non-empty list"),
        (json.dumps([{**ENTRY, "domains": ["@nhs"]}]), "“@nhs” is not a domain name"),
        (
            json.dumps([{**ENTRY, "server_url": "https://login.example.org/x y"}]),
            "server_url is not a web address",
        ),
        (
            json.dumps([ENTRY, {**ENTRY, "id": "rival", "client_id": "another"}]),
            "the domain example.nhs.scot is already 'nhs-example''s",
        ),
        (
            json.dumps([ENTRY, {**ENTRY, "id": "rival", "domains": ["example.gov.uk"]}]),
            "client_id is 'nhs-example''s too",
        ),
        (json.dumps([{**ENTRY, "organisation": "NHS Example"}]), "organisation must be"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(value, message):
    with pytest.raises(ImproperlyConfigured) as refusal:
        sso_providers(value)

    assert message in str(refusal.value)
    assert str(refusal.value).startswith("SSO_PROVIDERS")


def test_a_provider_on_this_machine_may_be_reached_over_plain_http_with_debug_on():
    local = json.dumps([{**ENTRY, "server_url": "http://127.0.0.1:9400/"}])

    (app,) = sso_providers(local, allow_plain_http=True)

    assert app["settings"]["server_url"] == "http://127.0.0.1:9400"
    with pytest.raises(ImproperlyConfigured, match="server_url must start with https://"):
        sso_providers(local)


def test_start_up_refuses_plain_http_with_debug_off():
    local = json.dumps([{**ENTRY, "server_url": "http://127.0.0.1:9400"}])

    refused = run_django(["check"], SSO_PROVIDERS=local, **PRODUCTION)
    accepted = run_django(["check"], SSO_PROVIDERS=local, DEBUG="true")

    assert "SSO_PROVIDERS provider 'nhs-example': server_url must start with" in refused.stderr
    assert accepted.returncode == 0, accepted.stderr


def test_start_up_stops_on_a_malformed_value():
    result = run_django(["check"], SSO_PROVIDERS='[{"id": "x"}]')

    assert result.returncode != 0
    assert "ImproperlyConfigured: SSO_PROVIDERS entry 1 lacks" in result.stderr


def test_start_up_accepts_a_well_formed_value():
    result = run_django(["check"], SSO_PROVIDERS=json.dumps([ENTRY]))

    assert result.returncode == 0, result.stderr
