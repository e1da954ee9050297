"""Headers that every response needs and no single view should have to remember."""

from __future__ import annotations

from django.contrib.auth.middleware import get_user
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from base.errors import NotFound
from members.roles import roles_wait_for
from members.second_factor import second_factor_done, second_factor_missing, send_to_set_up

# Downloads a member takes away: attendee lists, measures, calendars, their own data.
EXPORT_TYPES = ("text/csv", "text/calendar")


class PrivatePagesMiddleware:
    """Pages shown to a signed-in member, and every export, are never kept by a browser or a
    proxy: on a shared ward or office computer, the next person could open them from the cache
    or the back button. A view's own stricter header (never_cache) is kept; visitors' public
    pages stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _for_a_member(request) or _an_export(response):
            if "no-store" in response.get("Cache-Control", ""):
                patch_cache_control(response, private=True)
            else:
                response["Cache-Control"] = "private, no-store"
        return response


def _for_a_member(request) -> bool:
    # A response that never read the session (/ping/) cannot hold anything of the member's, and
    # asking who is signed in would cost it the database query it exists to avoid.
    session = getattr(request, "session", None)
    if session is None or not session.accessed:
        return False
    return request.user.is_authenticated


def _an_export(response) -> bool:
    return response.get("Content-Type", "").startswith(EXPORT_TYPES) or response.get(
        "Content-Disposition", ""
    ).startswith("attachment")


class NotFoundMiddleware:
    """Services raise base.errors.NotFound, knowing nothing of HTTP; the page answers 404, as
    for an address that does not exist (what a viewer may not see looks the same)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
        return None


class SecondFactorMiddleware:
    """Staff roles wait for a second factor (members.second_factor). The signed-in member's
    roles are tied to this session's answer, asked only when a role is about to count, so a
    page that never asks costs nothing more. The admin is a staff page as a whole."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The account is still read lazily, once (Django keeps it on the request).
        request.user = SimpleLazyObject(
            lambda: roles_wait_for(get_user(request), lambda: second_factor_done(request))
        )
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.app_name == "admin" and second_factor_missing(request):
            return send_to_set_up(request)
        return None
