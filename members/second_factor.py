"""A second factor for the roles that can see most: admins, coordinators and curators.

A staff role counts once the member has shown a second factor in the session they are signed
in with: an authenticator of their own (an app's codes, or a security key), which allauth asks
for at every sign-in once there is one, or an organisation sign-in whose provider said it asked
for one. Until then the member is a member like any other (members.roles): the staff pages and the
admin send them to set one up, and nothing their role would show appears anywhere else.
"""

from __future__ import annotations

from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from base.audit import audit_record
from members import sso
from members.audit import Action
from members.models import User
from members.roles import holds_staff_role

# An organisation sign-in whose provider asserts a second factor (its `amr` claim includes
# "mfa") sets this in the session once signed in (members.sso); any other sign-in drops it, and
# it ends with the session.
ORGANISATION_SECOND_FACTOR = sso.SECOND_FACTOR_SESSION_KEY
# Where a staff member was going when they were sent to set up their second factor.
AFTER_SET_UP = "network_second_factor_next"
# What counts as a second factor at sign-in. Recovery codes stand in for a lost phone; alone
# they are not one.
FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# The network's words for each kind, in the order a member meets them.
KIND_NAMES = {
    Authenticator.Type.TOTP: "authenticator app",
    Authenticator.Type.WEBAUTHN: "security key",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
}
SET_UP_PAGE = "mfa_activate_totp"
SET_UP_MESSAGE = (
    "Admins, coordinators and curators need a second factor to use their role. Set up an "
    "authenticator app, or a security key, to continue."
)


def organisation_asserted_second_factor(request) -> bool:
    return getattr(request, "session", {}).get(ORGANISATION_SECOND_FACTOR) is True


def has_second_factor(member: User) -> bool:
    """Whether the member has an authenticator of their own, read once per member object."""
    if not hasattr(member, "_network_has_second_factor"):
        member._network_has_second_factor = Authenticator.objects.filter(
            user_id=member.pk, type__in=FACTORS
        ).exists()
    return member._network_has_second_factor


def _shown_in_session(request) -> set:
    """The authenticators allauth recorded this session as shown: a code or a key at sign-in or
    when confirming it is you, or one set up in it (`authenticator_added`, below)."""
    return {
        record.get("id")
        for record in get_authentication_records(request, request.user)
        if record.get("method") == "mfa"
    }


def second_factor_done(request) -> bool:
    """Whether the member signed in to this session has shown a second factor in it.

    An organisation's assertion counts for the session it signed in. An authenticator counts in
    the sessions that showed it, and only while the member still has it: a session signed in
    with the password alone, before the member set one up elsewhere, does not gain the role,
    and an admin's reset ends it in every session.
    """
    if organisation_asserted_second_factor(request):
        return True
    user = request.user
    if not user.is_authenticated:
        return False
    # Asked by the roles and by the staff pages' gate in one request: read once.
    if not hasattr(request, "_network_second_factor_done"):
        shown = _shown_in_session(request)
        request._network_second_factor_done = (
            bool(shown) and Authenticator.objects.filter(user_id=user.pk, pk__in=shown).exists()
        )
    return request._network_second_factor_done


def authenticator_added(*, request, user, authenticator, **kwargs) -> None:
    """Setting up an app or a key takes a code from it or a touch of it: the session that did so
    has shown it, as if it had signed in with it."""
    # allauth's own record of how this session signed in (its public module exports only the
    # reading of it), so that sign-in and set-up are read the same way.
    if authenticator.type in FACTORS and request.user.pk == user.pk:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


def second_factor_missing(request) -> bool:
    """A staff role held in a session that has shown no second factor."""
    return holds_staff_role(request.user) and not second_factor_done(request)


def send_to_set_up(request, *, then: str | None = None):
    """To the authenticator app's set-up, with why, and back to the page asked for after."""
    if then is None and request.method == "GET":
        then = request.get_full_path()
    if then:
        request.session[AFTER_SET_UP] = then
    messages.warning(request, SET_UP_MESSAGE)
    return redirect(SET_UP_PAGE)


def staff_page(view):
    """A page of a staff role's work. A member who holds a staff role but has shown no second
    factor is sent to set one up; everyone else meets the view's own checks."""

    @wraps(view)
    def gated(request, *args, **kwargs):
        if second_factor_missing(request):
            return send_to_set_up(request)
        return view(request, *args, **kwargs)

    return gated


def page_after_set_up(request) -> str:
    """The page a staff member was sent from, once, or their own page."""
    wanted = request.session.pop(AFTER_SET_UP, None)
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("members:me")


def organisation_asserted_at_sign_in(login) -> bool:
    """Whether the sign-in under way is an organisation's whose provider asserted a second
    factor. The session learns it only once the member is signed in, after allauth's step
    that asks for the code, so that step reads the provider's answer itself."""
    sociallogin = (login.signal_kwargs or {}).get("sociallogin")
    if sociallogin is None:
        return False
    id_token = (sociallogin.account.extra_data or {}).get("id_token") or {}
    return sso.second_factor_asserted(id_token=id_token)


class SecondFactorStage(AuthenticateStage):
    """allauth's step at sign-in that asks for the code, skipped when the member's own
    organisation asked for a second factor at this sign-in."""

    def _should_handle(self, request) -> bool:
        if organisation_asserted_at_sign_in(self.login):
            return False
        return super()._should_handle(request)


def second_factor_reset(*, admin: User, member: User) -> list[str]:
    """An admin removes a member's authenticators and recovery codes (a lost or replaced
    phone). The member is asked to set one up again when their role needs it. Answers the
    kinds removed, for the admin's message; the audit log records them."""
    with transaction.atomic():
        held = set(Authenticator.objects.filter(user=member).values_list("type", flat=True))
        kinds = [name for kind, name in KIND_NAMES.items() if kind in held]
        if not kinds:
            return []
        Authenticator.objects.filter(user=member).delete()
        audit_record(
            actor=admin,
            action=Action.SECOND_FACTOR_RESET,
            member=member,
            detail=", ".join(kinds),
        )
    return kinds
