from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from members.services import profile_for, profile_needs_basics


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": "Too many failed attempts to sign in. Wait 5 minutes and "
        "try again, or reset your password.",
        "email_password_mismatch": "The e-mail address or the password is not right.",
        "email_taken": "An account already uses this e-mail address: sign in, or reset your "
        "password if you have forgotten it.",
        "unknown_email": "No account uses this e-mail address. Check it, or join the network.",
    }

    def get_login_redirect_url(self, request):
        # A member without a role and organisation is led to complete their profile first.
        if profile_needs_basics(profile_for(request.user)):
            return f"{reverse('members:edit')}?welcome=1"
        return reverse("members:me")
