"""What makes an organisation's sign-in provider well formed, wherever it is configured.

The settings (SSO_PROVIDERS), the admin's page for providers and the start-up checks all ask
here, so that a provider one of them accepts the others accept too. Plain Python: the settings
import it before Django has started, and it knows no app.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

# Part of the redirect URI registered with the provider, and of the site's own addresses.
PROVIDER_ID = r"[a-z0-9][a-z0-9-]{0,60}"
_PROVIDER_ID = re.compile(PROVIDER_ID)
# Labels of letters, digits and hyphens; the last one letters, or an internationalised
# top-level domain in its ASCII form (xn--…).
_DOMAIN = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})"
)
_ORGANISATION_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_THIS_MACHINE = {"127.0.0.1", "localhost", "::1"}
ENVIRONMENT_KEYS = {"id", "name", "server_url", "client_id", "secret", "domains", "organisation"}


class Invalid(ValueError):
    """A provider that cannot be used, in words that say what to change."""


def provider_id_problem(value: str) -> str | None:
    if not _PROVIDER_ID.fullmatch(value):
        return "must be lower-case letters, digits and hyphens (it is part of the redirect URI)"
    return None


def clean_domain(value: str) -> str:
    """A domain as the provider's list keeps it (lower case, no leading @), or Invalid."""
    domain = value.strip().lower().removeprefix("@")
    if not _DOMAIN.fullmatch(domain):
        raise Invalid(f"“{value.strip()[:60]}” is not a domain name such as example.nhs.scot")
    return domain


def on_this_machine(url: str) -> bool:
    """A provider reached without leaving this machine (the local demo, the tests)."""
    try:
        return urllib.parse.urlsplit(url).hostname in _THIS_MACHINE
    except ValueError:
        return False


def clean_server_url(value: str, *, allow_plain_http: bool) -> str:
    """The issuer's address as kept (no trailing slash), or Invalid.

    Tokens and addresses travel between the site and the provider: never in the clear, except
    to a provider on this machine while DEBUG is on (make sso-demo, the tests)."""
    url = value.strip().rstrip("/")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in {"http", "https"} or not _host_ok(parts):
        raise Invalid(
            "is not a web address such as https://login.microsoftonline.com/<tenant ID>/v2.0"
        )
    if parts.scheme == "http" and not (allow_plain_http and on_this_machine(url)):
        raise Invalid(
            "must start with https:// (http:// only for a provider on this machine, with DEBUG on)"
        )
    return url


def _host_ok(parts: urllib.parse.SplitResult) -> bool:
    if re.search(r"\s", parts.geturl()) or parts.username or parts.query or parts.fragment:
        return False
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return host == "localhost" or bool(_DOMAIN.fullmatch(host))


@dataclass(frozen=True)
class Keys:
    """What no two providers may share: a provider is found by each of these."""

    provider_id: str
    client_id: str
    domains: tuple[str, ...]


@dataclass(frozen=True)
class Clash:
    what: str  # "id", "client_id" or "domain"
    value: str
    other: str  # the other provider's identifier


def clashes(provider: Keys, others: Iterable[Keys]) -> list[Clash]:
    """What this provider shares with others. Two providers with one identifier cannot be told
    apart in the redirect URI; with one client ID, when a new member confirms their details
    (allauth finds the provider again by it); with one domain, both would decide who its
    members are."""
    found = []
    for other in others:
        if other.provider_id == provider.provider_id:
            found.append(Clash("id", provider.provider_id, other.provider_id))
        if other.client_id == provider.client_id:
            found.append(Clash("client_id", provider.client_id, other.provider_id))
        for domain in sorted(set(provider.domains) & set(other.domains)):
            found.append(Clash("domain", domain, other.provider_id))
    return found


def keys_of(app: dict) -> Keys:
    """The keys of a provider in allauth's form (as from_json gives them)."""
    return Keys(app["provider_id"], app["client_id"], tuple(app["settings"]["domains"]))


def from_json(raw: str, *, allow_plain_http: bool) -> list[dict]:
    """The providers of SSO_PROVIDERS as allauth's apps: a JSON list of {"id", "name",
    "server_url", "client_id", "secret", "domains", "organisation"}. Invalid names the entry."""
    if not raw.strip():
        return []
    try:
        entries = json.loads(raw)
    except ValueError as error:
        raise Invalid(f"is not valid JSON ({error}).") from None
    if not isinstance(entries, list):
        raise Invalid('must be a JSON list of providers: [{"id": …, "name": …, …}].')
    apps: list[dict] = []
    for number, entry in enumerate(entries, start=1):
        app = _app_from_entry(entry, f"entry {number}", allow_plain_http=allow_plain_http)
        for clash in clashes(keys_of(app), (keys_of(earlier) for earlier in apps)):
            where = f"provider {app['provider_id']!r}"
            if clash.what == "id":
                raise Invalid(f"{where} is listed twice.")
            if clash.what == "client_id":
                raise Invalid(
                    f"{where}: client_id is {clash.other!r}'s too; each provider needs its own "
                    "registration."
                )
            raise Invalid(f"{where}: the domain {clash.value} is already {clash.other!r}'s.")
        apps.append(app)
    return apps


def _app_from_entry(entry, where: str, *, allow_plain_http: bool) -> dict:
    if not isinstance(entry, dict):
        raise Invalid(
            f"{where} must be an object with id, name, server_url, client_id, secret and domains."
        )
    unknown = sorted(set(entry) - ENVIRONMENT_KEYS)
    if unknown:
        raise Invalid(f"{where} has unknown keys: {', '.join(unknown)}.")
    missing = sorted(ENVIRONMENT_KEYS - {"organisation"} - set(entry))
    if missing:
        raise Invalid(f"{where} lacks {', '.join(missing)}.")
    for key in ("id", "name", "server_url", "client_id", "secret"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise Invalid(f"{where}: {key} must be a non-empty string.")
    provider_id = entry["id"]
    where = f"provider {provider_id!r}"
    if problem := provider_id_problem(provider_id):
        raise Invalid(f"{where}: id {problem}.")
    try:
        server_url = clean_server_url(entry["server_url"], allow_plain_http=allow_plain_http)
    except Invalid as problem:
        raise Invalid(f"{where}: server_url {problem}.") from None
    domains = entry["domains"]
    if not isinstance(domains, list) or not domains:
        raise Invalid(f'{where}: domains must be a non-empty list, such as ["example.nhs.scot"].')
    cleaned: list[str] = []
    for domain in domains:
        if not isinstance(domain, str):
            raise Invalid(f"{where}: {domain!r} is not a domain name such as example.nhs.scot.")
        try:
            domain = clean_domain(domain)
        except Invalid as problem:
            raise Invalid(f"{where}: {problem}.") from None
        if domain not in cleaned:
            cleaned.append(domain)
    organisation = entry.get("organisation") or ""
    if not isinstance(organisation, str) or (
        organisation and not _ORGANISATION_SLUG.fullmatch(organisation)
    ):
        raise Invalid(f"{where}: organisation must be an organisation's slug, such as nhs-fife.")
    return {
        "provider_id": provider_id,
        "name": entry["name"].strip(),
        "client_id": entry["client_id"].strip(),
        "secret": entry["secret"],
        "settings": {"server_url": server_url, "domains": cleaned, "organisation": organisation},
    }


class ProviderIdConverter:
    """A provider's identifier in the site's addresses (/accounts/oidc/<id>/login/): never
    allauth's name for the kind of provider, which would stand for all of them at once."""

    regex = PROVIDER_ID

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
