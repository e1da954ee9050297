import ipaddress
import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.account.utils import get_login_redirect_url
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from members import second_factor
from members.services import profile_for, profile_needs_basics

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

    def pre_login(self, request, user, **kwargs):
        second_factor.forget_organisation_second_factor(request, user)
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request, user, *, redirect_url, signup, **kwargs):
        # A staff role without a second factor: asked to set one up at once, then on to where
        # the sign-in was going.
        missing = second_factor.second_factor_missing(request)
        if missing:
            request.session[second_factor.AFTER_SET_UP] = get_login_redirect_url(
                request, redirect_url, signup=signup
            )
            redirect_url = reverse(second_factor.SET_UP_PAGE)
        response = super().post_login(
            request, user, redirect_url=redirect_url, signup=signup, **kwargs
        )
        if missing:
            messages.warning(request, second_factor.SET_UP_MESSAGE)
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
