import ipaddress
import logging
import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base.constants import AuthError
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
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

    def get_signup_redirect_url(self, request):
        # A new member is led to their profile, whatever a provider already filled in of it.
        return f"{reverse('members:edit')}?welcome=1"

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
        claims = sso.claims_of(sociallogin)
        user.name = sso.name_from_claims(claims)
        # allauth takes the provider's word for email_verified; here it also takes the domain's.
        # Everything after this (matching an account, storing the address) sees the result.
        app = sociallogin.provider.app
        for address in sociallogin.email_addresses:
            address.verified = sso.address_verified(claims=claims, email=address.email, app=app)
        return user

    def authenticate_by_email(self, sociallogin):
        """Join an existing account only if its own address is verified, as well as the
        provider's: otherwise whoever typed the address there may not own it."""
        for address in sociallogin.email_addresses:
            if address.verified and (member := sso.verified_account_for(address.email)):
                return member, address.email
        return None

    def pre_social_login(self, request, sociallogin):
        refusal = sso.refusal_of_answer(sociallogin=sociallogin)
        if refusal:
            raise ImmediateHttpResponse(refusal_page(request, refusal))

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
        raise ImmediateHttpResponse(refusal_page(request, refusal))

    def get_signup_form_initial_data(self, sociallogin):
        initial = super().get_signup_form_initial_data(sociallogin)
        initial["name"] = sociallogin.user.name
        return initial

    def get_connect_redirect_url(self, request, socialaccount):
        return reverse("members:preferences")


def refusal_page(request, refusal: sso.Refusal):
    status = 502 if refusal.reason == sso.Refused.UNREACHABLE else 403
    return render(
        request,
        "account/organisation_refused.html",
        {"refusal": refusal, "reason": refusal.reason.value},
        status=status,
    )


def note_second_factor(sender, request, user, sociallogin=None, **kwargs):
    """user_logged_in: what the part of the site that asks for a second factor reads."""
    sso.session_note_second_factor(request=request, sociallogin=sociallogin)


def record_connected(sender, request, sociallogin, **kwargs):
    audit_record(
        actor=sociallogin.user,
        action=Action.ORGANISATION_ACCOUNT_CONNECTED,
        member=sociallogin.user,
        detail=sociallogin.provider.app.name,
    )


def record_disconnected(sender, request, socialaccount, **kwargs):
    try:
        name = socialaccount.get_provider(request).app.name
    except SocialApp.DoesNotExist:
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
