"""Signing in with an organisation's account (OpenID Connect, such as Microsoft Entra ID).

Which provider speaks for an address, what a provider's answer may and may not do, and what of
it the network keeps. The providers come from SSO_PROVIDERS and from the admin; both keep their
domains and organisation in the app's settings (docs/sign-in.md).
"""

from __future__ import annotations

import collections
import enum
import urllib.parse
from dataclasses import dataclass

import jwt
import requests
from allauth.account.models import EmailAddress
from allauth.core.internal.datakit import parse_bool_safely
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin
from django.http import HttpRequest
from django.urls import reverse

from base import outbox
from base.links import absolute_url
from members.models import Organisation, Profile, User

OPENID_CONNECT = "openid_connect"
CONNECTED_EMAIL = "members.organisation_account_connected"  # the outbox's kind (members.emails)
# Read by the second-factor gate: the provider asserted that the member used a second factor.
SECOND_FACTOR_SESSION_KEY = "network_sso_mfa"
JOB_TITLE_CLAIMS = ("job_title", "jobTitle", "jobtitle")
ORGANISATION_CLAIMS = ("organisation", "organization", "companyName", "companyname")


# --- the providers --------------------------------------------------------------------------


def sign_in_providers(request: HttpRequest | None = None) -> list[SocialApp]:
    """Every organisation's provider, from the environment and the admin, by name. Read once
    per request: a page that shows them also allows its forms to reach them."""
    cached = getattr(request, "_organisation_providers", None)
    if cached is not None:
        return cached
    apps = get_social_adapter(request).list_apps(request, provider=OPENID_CONNECT)
    apps = [app for app in apps if app.provider == OPENID_CONNECT]
    # An identifier set up both in SSO_PROVIDERS and in the admin names neither for sure: the
    # start-up checks (members.checks) tell the operators.
    ids = collections.Counter(provider_id(app) for app in apps)
    apps = sorted(
        (app for app in apps if ids[provider_id(app)] == 1), key=lambda app: app.name.lower()
    )
    if request is not None:
        request._organisation_providers = apps
    return apps


def provider_id(app: SocialApp) -> str:
    return app.provider_id or app.provider


def provider_in_use(app: SocialApp) -> bool:
    """Members have connected accounts with this provider: its identifier and issuer are part
    of what those connections mean (the subject `sub` is unique only at one issuer)."""
    return SocialAccount.objects.filter(provider=provider_id(app)).exists()


def provider_domains(app: SocialApp) -> list[str]:
    return [domain.lower() for domain in app.settings.get("domains", [])]


def address_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def provider_for_address(*, email: str, apps: list[SocialApp]) -> SocialApp | None:
    """The provider whose domains hold the address (exact domain: a subdomain is another's)."""
    domain = address_domain(email)
    for app in apps:
        if domain in provider_domains(app):
            return app
    return None


def provider_origins(apps: list[SocialApp]) -> list[str]:
    """Where the sign-in forms send the browser: each provider's own origin, for the Content
    Security Policy's form-action (a form's redirect to another origin is checked too)."""
    origins = []
    for app in apps:
        parts = urllib.parse.urlsplit(app.settings.get("server_url", ""))
        if parts.scheme in {"http", "https"} and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def redirect_uri(app: SocialApp) -> str:
    """The address the provider sends members back to, to register with it (SITE_URL)."""
    return absolute_url(
        reverse("openid_connect_callback", kwargs={"provider_id": provider_id(app)})
    )


# --- what a provider's answer may do --------------------------------------------------------


def claims_of(account: SocialAccount) -> dict:
    """The ID token's claims with the user information endpoint's on top (the two overlap)."""
    data = account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


def address_verified(*, claims: dict, email: str, app: SocialApp) -> bool:
    """An address counts as verified only if the provider says so and it is in one of the
    provider's own domains: a provider vouches for its organisation's addresses, no one else's.
    Entra ID says so in `xms_edov` (the domain's owner verified it) rather than email_verified."""
    says_so = parse_bool_safely(claims.get("email_verified")) or parse_bool_safely(
        claims.get("xms_edov")
    )
    return bool(says_so) and address_domain(email) in provider_domains(app)


# What the network reads from a provider's published configuration (its discovery document).
CONFIGURATION_KEYS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
)


def configuration_problem(configuration) -> str | None:
    """What makes a provider's published configuration unusable, in an operator's words."""
    if not isinstance(configuration, dict):
        return "its OpenID configuration is not a JSON object"
    missing = [
        key
        for key in CONFIGURATION_KEYS
        if not isinstance(configuration.get(key), str) or not configuration[key]
    ]
    if missing:
        return f"its OpenID configuration lacks {', '.join(missing)}"
    return None


def answer_problem(*, id_token: dict | None, userinfo: dict | None) -> str | None:
    """What makes a provider's answer unusable, whoever it is about: allauth would fail on it,
    or take it for someone else."""
    about = userinfo or id_token or {}  # allauth reads the user information first
    subject = about.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        return "its answer names nobody (no sub)"
    if userinfo and id_token and userinfo.get("sub") != id_token.get("sub"):
        # OpenID Connect Core 5.3.2: such user information must not be used.
        return "its user information is about someone else than its ID token"
    for claims in (id_token or {}, userinfo or {}):
        if claims.get("email") is not None and not isinstance(claims["email"], str):
            return "its e-mail address is not text"
    return None


class Refused(enum.Enum):
    """Why an organisation's sign-in was turned away; the page says it in these words."""

    STATE = "state"
    AUDIENCE = "audience"
    EXPIRED = "expired"
    TOKEN = "token"
    UNREACHABLE = "unreachable"
    NO_ADDRESS = "no_address"
    DOMAIN = "domain"
    UNVERIFIED = "unverified"
    EXISTING = "existing"
    OTHER = "other"


@dataclass(frozen=True)
class Refusal:
    reason: Refused
    provider: str
    email: str = ""
    domains: tuple[str, ...] = ()


def refusal_of_answer(*, sociallogin: SocialLogin) -> Refusal | None:
    """What in a provider's (well-formed) answer stops the sign-in, or None.

    Runs after allauth has looked up an existing connection, and before anything is made,
    joined or changed."""
    app = sociallogin.provider.app
    name = app.name
    addresses = sociallogin.email_addresses
    email = addresses[0].email if addresses else ""
    if not email:
        return Refusal(Refused.NO_ADDRESS, name)
    domains = tuple(provider_domains(app))
    if address_domain(email) not in domains:
        return Refusal(Refused.DOMAIN, name, email, domains)
    if not addresses[0].verified:
        return Refusal(Refused.UNVERIFIED, name, email, domains)
    connecting = sociallogin.state.get("process") == "connect"
    if (
        not connecting
        and not sociallogin.is_existing
        and account_uses_address(email)
        and verified_account_for(email) is None
    ):
        # The account's own address is not verified: whoever typed it there may not own it,
        # so only its password may connect the two.
        return Refusal(Refused.EXISTING, name, email, domains)
    return None


def account_to_join(*, sociallogin: SocialLogin) -> User | None:
    """The existing account a provider's (accepted) sign-in is for: the one whose own address
    is verified and the same as the provider's, which has verified it too."""
    addresses = [address for address in sociallogin.email_addresses if address.verified]
    return verified_account_for(addresses[0].email) if addresses else None


def account_uses_address(email: str) -> bool:
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def verified_account_for(email: str) -> User | None:
    """The account whose own verified address this is: the only one a provider may join."""
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address else None


def refusal_of_error(*, app: SocialApp, exception: BaseException | None, state_found: bool):
    """What a failed round trip to the provider was, in the network's words."""
    if not state_found:
        return Refusal(Refused.STATE, app.name)
    cause = exception.__cause__ if exception is not None else None
    if isinstance(cause, jwt.InvalidAudienceError):
        return Refusal(Refused.AUDIENCE, app.name)
    if isinstance(cause, jwt.ExpiredSignatureError):
        return Refusal(Refused.EXPIRED, app.name)
    if isinstance(cause, jwt.PyJWTError):
        return Refusal(Refused.TOKEN, app.name)
    if isinstance(exception, requests.RequestException):
        return Refusal(Refused.UNREACHABLE, app.name)
    return Refusal(Refused.OTHER, app.name)


def connection_tell(*, member: User, provider_name: str) -> None:
    """Every organisation account connected to an account is a new way into it: its member
    hears of it, whoever connected it."""
    outbox.enqueue(CONNECTED_EMAIL, recipient=member, context={"provider": provider_name})


# --- the second factor ----------------------------------------------------------------------


def second_factor_asserted(*, id_token: dict) -> bool:
    """The provider says the member used a second factor: its ID token's `amr` includes mfa."""
    methods = id_token.get("amr")
    if isinstance(methods, str):
        methods = [methods]
    return isinstance(methods, list) and "mfa" in methods


def session_note_second_factor(*, request: HttpRequest, sociallogin: SocialLogin | None) -> None:
    """At every sign-in: the session knows whether an organisation's provider vouched for a
    second factor; any other way in (a password, a code, a provider that did not) says no."""
    id_token = {}
    if sociallogin is not None:
        id_token = (sociallogin.account.extra_data or {}).get("id_token") or {}
    if second_factor_asserted(id_token=id_token):
        request.session[SECOND_FACTOR_SESSION_KEY] = True
    else:
        request.session.pop(SECOND_FACTOR_SESSION_KEY, None)


# --- what the network keeps -----------------------------------------------------------------


def name_from_claims(claims: dict) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str))
    return " ".join(name.split())[:150]


def _first_text(claims: dict, names: tuple[str, ...]) -> str:
    for claim in names:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def organisation_from(*, claims: dict, app: SocialApp) -> Organisation | None:
    """The organisation a claim names (by name or slug), else the provider's own, if any: a
    tenant shared by several boards says which one; a board's own provider is that board."""
    named = _first_text(claims, ORGANISATION_CLAIMS)
    if named:
        found = Organisation.objects.filter(name__iexact=named).first()
        found = found or Organisation.objects.filter(slug__iexact=named).first()
        if found:
            return found
    slug = app.settings.get("organisation") or ""
    return Organisation.objects.filter(slug=slug).first() if slug else None


def profile_prefill(*, profile: Profile, claims: dict, app: SocialApp) -> None:
    """A new member's job title and organisation, where the provider's claims say them."""
    fields = []
    job_title = _first_text(claims, JOB_TITLE_CLAIMS)[
        : Profile._meta.get_field("job_title").max_length
    ]
    if job_title and not profile.job_title:
        profile.job_title = job_title
        fields.append("job_title")
    organisation = organisation_from(claims=claims, app=app)
    if organisation and not profile.organisation_id:
        profile.organisation = organisation
        fields.append("organisation")
    if fields:
        profile.save(update_fields=fields)


def organisation_accounts(*, member: User, apps: list[SocialApp]) -> dict:
    """The member's connected organisation accounts, and the providers they may still connect."""
    names = {provider_id(app): app.name for app in apps}
    connected = []
    for account in SocialAccount.objects.filter(user=member).order_by("date_joined", "pk"):
        claims = claims_of(account)
        connected.append(
            {
                "id": account.pk,
                "provider": names.get(account.provider, account.provider),
                "email": claims.get("email") or "",
            }
        )
    taken = set(SocialAccount.objects.filter(user=member).values_list("provider", flat=True))
    return {
        "connected": connected,
        "connectable": [app for app in apps if provider_id(app) not in taken],
        "has_password": member.has_usable_password(),
    }
