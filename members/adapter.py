import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html

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
