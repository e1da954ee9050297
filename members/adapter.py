import hashlib
import ipaddress
import logging
import time
from urllib.parse import urlencode, urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import MultipleObjectsReturned, PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from base.audit import audit_record
from members import second_factor, sso
from members.audit import Action
from members.services import profile_for, profile_needs_basics

logger = logging.getLogger(__name__)

SIGN_IN_BY_CODE = "Sign in with a code sent to your e-mail address"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "The e-mail address or the password is not right.",
        "incorrect_code": "That code is not right. Check it against the e-mail, or ask for a "
        "new code.",
    }

    def validation_error(self, code, *args) -> ValidationError:
        if code == "too_many_login_attempts":
            # Someone else's wrong passwords must not keep the member out: the message leads
            # to a code sent to their own address, which the password limit does not count.
            return ValidationError(
                format_html(
                    'Too many failed attempts to sign in. <a href="{}">{}</a>, or wait 5 '
                    "minutes and try again.",
                    reverse("account_request_login_code"),
                    SIGN_IN_BY_CODE,
                ),
                code=code,
            )
        return super().validation_error(code, *args)

    def get_login_stages(self) -> list[str]:
        # allauth's question for the code, which also knows an organisation's assertion.
        return [
            "members.second_factor.SecondFactorStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        # A new member lands on the profile form even when they joined from a page that asked
        # them to sign in (its `next` reaches the sign-up page through "Join the network"); that
        # page is where saving the profile takes them. Also after confirming their address.
        if kwargs.get("signup") and response.has_header("Location"):
            response["Location"] = welcome_url(then=response["Location"])
        # Asked after user_logged_in, which notes an organisation's second factor (members.sso).
        # A staff role without one: sent to set one up at once, then on to where the sign-in
        # was going.
        if second_factor.second_factor_missing(request) and response.has_header("Location"):
            return second_factor.send_to_set_up(request, then=response["Location"])
        return response

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # Whoever adds or removes a second factor, the member hears of it by e-mail (allauth's
        # other account notices stay off): someone with the password alone cannot quietly put
        # their own phone on a staff account, nor take the member's off.
        if not template_prefix.startswith("mfa/"):
            return super().send_notification_mail(template_prefix, user, context, email)
        address = email or EmailAddress.objects.get_primary_email(user)
        if address:
            self.send_mail(
                template_prefix, address, {"user": user, "at": timezone.now(), **(context or {})}
            )
        return None

    def is_reauthentication_required(self, *, app, **kwargs) -> bool:
        # Signing in is as fresh a check as confirming again: a staff member sent to set up
        # their second factor straight from the sign-in is not asked for the password twice.
        request = self.request
        if request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            if (
                records
                and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
            ):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_login_redirect_url(self, request):
        # A member without a role and organisation is led to complete their profile first.
        if profile_needs_basics(profile_for(request.user)):
            return f"{reverse('members:edit')}?welcome=1"
        return reverse("members:me")

    def get_email_verification_redirect_url(self, email_address):
        # Confirmed in a browser that did not join (a phone, from the e-mail): allauth signs in
        # only the browser that joined, so the sign-in page says the address is confirmed.
        if not self.request.user.is_authenticated:
            return f"{reverse('account_login')}?confirmed=1"
        return super().get_email_verification_redirect_url(email_address)

    def get_password_change_redirect_url(self, request):
        # Back to their own page, rather than to the form they have just used.
        return reverse("members:me")

    def get_signup_redirect_url(self, request):
        # A new member is led to their profile, whatever a provider already filled in of it.
        return welcome_url()

    def get_client_ip(self, request) -> str:
        """The address rate limits count under. X-Forwarded-For says who the visitor is only
        when our own proxy sent the request; from anyone else it is whatever they wrote."""
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            raise PermissionDenied("Unable to determine client IP address") from None
        if any(address in network for network in settings.TRUSTED_PROXY_NETWORKS):
            return super().get_client_ip(request)
        return str(address)


def welcome_url(*, then: str = "") -> str:
    """The profile form as a new member first sees it, and where saving it leads after."""
    edit = reverse("members:edit")
    if not then or urlsplit(then).path == edit:
        return f"{edit}?welcome=1"
    return f"{edit}?{urlencode({'welcome': 1, 'next': then})}"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in with an organisation's account: what a provider's answer may do (members.sso)."""

    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "email_taken": "An account already uses this e-mail address. Sign in with your password "
        "first, then connect your %s account on your preferences page.",
        "no_password": "Set a password before you disconnect your last organisation account: "
        "without one you could not sign in.",
        "no_verified_email": "Confirm your e-mail address before you disconnect your last "
        "organisation account: a forgotten password is reset through it.",
        "connected_other": "That organisation account is connected to another member's account.",
    }

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = sso.claims_of(sociallogin.account)
        user.name = sso.name_from_claims(claims)
        # allauth takes the provider's word for email_verified; here it also takes the domain's.
        # Everything after this (matching an account, storing the address) sees the result.
        app = sociallogin.provider.app
        for address in sociallogin.email_addresses:
            address.verified = sso.address_verified(claims=claims, email=address.email, app=app)
        return user

    def authenticate_by_email(self, sociallogin):
        # allauth's own matching by address is off: pre_social_login joins an account instead,
        # only when both sides verified the address (allauth's would then wipe the password of
        # an account whose address it failed to find verified, as one stored with capitals).
        return None

    def pre_social_login(self, request, sociallogin):
        refusal = sso.refusal_of_answer(sociallogin=sociallogin)
        if refusal:
            next_url = sociallogin.get_redirect_url(request) or ""
            raise ImmediateHttpResponse(refusal_page(request, refusal, next_url=next_url))
        if sociallogin.is_existing:
            return
        owner = sso.account_to_join(sociallogin=sociallogin)
        if sociallogin.state.get("process") == "connect":
            if owner is not None and owner != request.user:
                # Its sign-ins would open this account, not the one the address is theirs in.
                messages.error(
                    request,
                    f"The address of that {sociallogin.provider.app.name} account, "
                    f"{sociallogin.email_addresses[0].email}, belongs to another member's "
                    "account, so it was not connected to yours.",
                )
                raise ImmediateHttpResponse(redirect("members:preferences"))
            return
        if owner is None:
            return  # a first sign-in: the member confirms their details (socialaccount signup)
        if not owner.is_active:
            raise ImmediateHttpResponse(
                get_account_adapter(request).respond_user_inactive(request, owner)
            )
        # allauth's way to join an existing account; the sign-in then goes on as a returning
        # member's.
        sociallogin.connect(request, owner)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        if error == AuthError.CANCELLED:
            return  # allauth's "you cancelled" page
        extra_context = extra_context or {}
        # allauth passes the stashed state along once it found it; without it, the answer did
        # not belong to a sign-in this browser started (or started more than 10 minutes ago).
        state_found = "state" in extra_context or exception is not None
        refusal = sso.refusal_of_error(
            app=provider.app, exception=exception, state_found=state_found
        )
        logger.warning(
            "Organisation sign-in with %s refused: %s (%r)",
            sso.provider_id(provider.app),
            refusal.reason.value,
            exception,
        )
        next_url = (extra_context.get("state") or {}).get("next") or ""
        raise ImmediateHttpResponse(refusal_page(request, refusal, next_url=next_url))

    def get_provider(self, request, provider, client_id=None):
        found = super().get_provider(request, provider, client_id=client_id)
        if found.id == sso.OPENID_CONNECT:
            found.oauth2_adapter_class = SiteURLAdapter
        return found

    def get_signup_form_initial_data(self, sociallogin):
        initial = super().get_signup_form_initial_data(sociallogin)
        initial["name"] = sociallogin.user.name
        return initial

    def get_connect_redirect_url(self, request, socialaccount):
        return reverse("members:preferences")


class ProviderMisconfigured(OAuth2Error):
    """A provider's configuration or answer the network cannot use (its operators' to mend)."""


# A provider's published configuration changes rarely; every press of a sign-in button would
# otherwise fetch it, each waiting up to SOCIALACCOUNT_REQUESTS_TIMEOUT.
CONFIGURATION_CACHE_SECONDS = 60 * 60


def provider_configuration(provider) -> dict:
    """The provider's OpenID configuration, from the cache or its discovery document."""
    url = provider.server_url
    key = f"sso:configuration:{hashlib.sha256(url.encode()).hexdigest()}"
    published = cache.get(key)
    if published is None:
        with get_social_adapter().get_requests_session() as session:
            response = session.get(url)
            response.raise_for_status()
            published = response.json()
    configuration = published
    if isinstance(published, dict):
        # allauth's way to correct what a provider publishes, kept for operators who need it.
        overrides = provider.app.settings.get("openid_configuration_overrides") or {}
        configuration = {**published, **overrides}
    if problem := sso.configuration_problem(configuration):
        logger.warning("Organisation sign-in with %s cannot be used: %s", url, problem)
        raise ProviderMisconfigured(problem)
    cache.set(key, published, CONFIGURATION_CACHE_SECONDS)
    return configuration


class SiteURLAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter for the network's providers.

    - The redirect URI comes from SITE_URL, the one registered with the provider and shown in
      the admin; allauth would build it from the request's Host header, which is the web
      server's own behind a proxy, and a visitor's choice otherwise.
    - The provider's configuration is read from the cache (provider_configuration).
    - An answer allauth would fail on with an error (no `sub`, an address that is not text), or
      user information about someone else than the ID token, is refused instead."""

    def get_callback_url(self, request, app):
        return sso.redirect_uri(app)

    @property
    def openid_config(self):
        if not hasattr(self, "_openid_config"):
            self._openid_config = provider_configuration(self.get_provider())
        return self._openid_config

    def _fetch_user_info(self, access_token: str) -> dict:
        userinfo = super()._fetch_user_info(access_token)
        if problem := sso.answer_problem(id_token=None, userinfo=userinfo):
            raise ProviderMisconfigured(problem)
        return userinfo

    def complete_login(self, request, app, token, **kwargs):
        sociallogin = super().complete_login(request, app, token, **kwargs)
        data = sociallogin.account.extra_data
        if problem := sso.answer_problem(
            id_token=data.get("id_token"), userinfo=data.get("userinfo")
        ):
            raise ProviderMisconfigured(problem)
        return sociallogin


def refusal_page(request, refusal: sso.Refusal, *, next_url: str = ""):
    """`next_url`: where the member was going (checked when the sign-in started), for "Start
    again"."""
    status = 502 if refusal.reason == sso.Refused.UNREACHABLE else 403
    return render(
        request,
        "account/organisation_refused.html",
        {"refusal": refusal, "reason": refusal.reason.value, "next": next_url},
        status=status,
    )


def note_second_factor(sender, request, user, sociallogin=None, **kwargs):
    """user_logged_in: what the part of the site that asks for a second factor reads."""
    sso.session_note_second_factor(request=request, sociallogin=sociallogin)


def _record_connected(sociallogin) -> None:
    audit_record(
        actor=sociallogin.user,
        action=Action.ORGANISATION_ACCOUNT_CONNECTED,
        member=sociallogin.user,
        detail=sociallogin.provider.app.name,
    )


def record_connected(sender, request, sociallogin, **kwargs):
    """social_account_added: connected from the preferences page, or joined to the account
    whose verified address it has."""
    _record_connected(sociallogin)
    sso.connection_tell(member=sociallogin.user, provider_name=sociallogin.provider.app.name)


def record_signed_up(sender, request, user, sociallogin=None, **kwargs):
    """user_signed_up: a first sign-in with an organisation's account connects it as it makes
    the account (allauth sends no social_account_added then; the member is there to see it)."""
    if sociallogin is not None:
        _record_connected(sociallogin)


def record_disconnected(sender, request, socialaccount, **kwargs):
    try:
        name = socialaccount.get_provider(request).app.name
    except (SocialApp.DoesNotExist, MultipleObjectsReturned):
        name = socialaccount.provider
    audit_record(
        actor=request.user,
        action=Action.ORGANISATION_ACCOUNT_DISCONNECTED,
        member=socialaccount.user,
        detail=name,
    )


class SecondFactorAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code is not right. Enter the 6 digits your authenticator app "
        "shows for the network now, or one of your recovery codes.",
        "unverified_email": "Confirm your e-mail address before you set up a second factor: "
        "follow the link in the e-mail we sent you.",
    }

    def generate_authenticator_name(self, user, type) -> str:
        keys = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return "Security key" if keys == 0 else f"Security key {keys + 1}"
