import functools
import json

import requests
from allauth.account.decorators import reauthentication_required
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.forms import DisconnectForm
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import MultipleObjectsReturned
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from members import hooks, second_factor, services, sso
from members.adapter import (
    ProviderMisconfigured,
    SiteURLAdapter,
    record_disconnected,
    refusal_page,
)
from members.filters import DirectoryFilter
from members.forms import (
    CloseAccountForm,
    OrganisationSignInForm,
    PreferencesForm,
    ProfileForm,
)
from members.models import Profile

DIRECTORY_PAGE_SIZE = 20


@login_required
def directory(request):
    profiles = Profile.objects.visible_to(request.user).order_by("member__name")
    directory_filter = DirectoryFilter(request.GET, queryset=profiles)
    listing = services.directory_listing(directory_filter.qs)
    page = Paginator(listing, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/directory.html",
        {
            "filter": directory_filter,
            "page": page,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
        },
    )


def profile(request, slug):
    profile = get_object_or_404(
        services.directory_listing(Profile.objects.visible_to(request.user)).prefetch_related(
            "interests"
        ),
        slug=slug,
    )
    return render(
        request,
        "members/profile.html",
        {
            "profile": profile,
            "member": profile.member,
            "show_email": services.email_visible_to(profile, request.user),
            "is_own": request.user.pk == profile.member_id,
            "panels": hooks.profile_panels(
                profile.member, request.user, show_events=profile.show_events
            ),
        },
    )


def photo(request, slug):
    """Photos are served through the profile's own permission check, never by a public URL."""
    profile = get_object_or_404(Profile.objects.visible_to(request.user), slug=slug)
    if not profile.photo:
        raise Http404
    response = FileResponse(profile.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _own_profile(request) -> Profile:
    profile = services.profile_for(request.user)
    return (
        Profile.objects.select_related("member", "organisation")
        .prefetch_related("expertise", "interests")
        .get(pk=profile.pk)
    )


@login_required
def me(request):
    profile = _own_profile(request)
    notifications = list(
        services.notifications_for(request.user)
        .filter(read_at__isnull=True)
        .select_related("actor")[:5]
    )
    return render(
        request,
        "members/me.html",
        {
            "profile": profile,
            "completeness": services.profile_completeness(profile),
            "people_to_meet": services.people_to_meet(profile),
            "notifications": notifications,
            "panels": hooks.home_panels(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request):
    profile = _own_profile(request)
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=profile,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile has been saved.")
        # A new member who joined on the way somewhere goes on there (members.adapter).
        then = request.GET.get("next", "")
        if then and url_has_allowed_host_and_scheme(
            then, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(then)
        return redirect("members:me")
    return render(
        request,
        "members/edit.html",
        {
            "form": form,
            "profile": profile,
            "completeness": services.profile_completeness(profile),
            "welcome": request.GET.get("welcome") == "1",
        },
    )


@login_required
def notifications(request):
    listing = services.notifications_for(request.user).select_related("actor")
    page = Paginator(listing, 25).get_page(request.GET.get("page"))
    return render(request, "members/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    services.notifications_mark_read(request.user)
    messages.success(request, "All your notifications are marked as read.")
    return redirect("members:notifications")


def allows_organisation_forms(view):
    """For a page with the organisation sign-in forms: the browser may follow them to the
    providers (the Content Security Policy's form-action covers a form's redirects too)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = sso.provider_origins(sso.sign_in_providers(request))
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update
        return response

    return wrapped


def _connecting(request) -> bool:
    return (
        request.method == "POST"
        and request.POST.get("process") == "connect"
        and request.user.is_authenticated
    )


@allows_organisation_forms
@require_http_methods(["GET", "POST"])
# Connecting an organisation account makes it a way into this one: whoever is at the browser
# shows it is the member first (allauth asks, then carries on with this request).
@reauthentication_required(app="allauth.socialaccount", enabled=_connecting)
def organisation_sign_in(request):
    """Sign in (or connect) with an organisation's account: the work address picks the
    provider, or the member picks it from the list; then off to the provider."""
    apps = sso.sign_in_providers(request)
    form = OrganisationSignInForm(
        request.POST if request.method == "POST" else None,
        apps=apps,
        request=request,
        initial={"next": request.GET.get("next", "")},
    )
    unreachable = None
    if request.method == "POST" and form.is_valid():
        app, process = form.cleaned_data["app"], form.cleaned_data["process"]
        if process == "connect" and not request.user.is_authenticated:
            query = urlencode({"next": reverse("members:preferences")})
            return redirect(f"{reverse('account_login')}?{query}")
        provider = get_social_adapter(request).get_provider(request, sso.provider_id(app))
        auth_params = provider.get_auth_params()
        if form.cleaned_data.get("email"):
            # Entra ID and others then skip asking who is signing in.
            auth_params["login_hint"] = form.cleaned_data["email"]
        try:
            return provider.redirect(
                request, process, next_url=form.cleaned_data["next"], auth_params=auth_params
            )
        except requests.RequestException:
            unreachable = app.name
        except ProviderMisconfigured:
            refusal = sso.Refusal(sso.Refused.OTHER, app.name)
            return refusal_page(request, refusal, next_url=form.cleaned_data["next"])
    return render(
        request,
        "account/organisation_sign_in.html",
        {"form": form, "providers": apps, "unreachable": unreachable},
        status=502 if unreachable else 200,
    )


def _through_provider(request, provider_id, view_class):
    """One step of allauth's sign-in with one provider, through the network's adapter: a
    provider that is not this site's is not found, and one that cannot be reached or whose
    configuration cannot be used gets a page that says so."""
    try:
        return view_class.adapter_view(SiteURLAdapter(request, provider_id))(request)
    except (SocialApp.DoesNotExist, MultipleObjectsReturned):
        # Not this site's, or set up both in SSO_PROVIDERS and in the admin (the start-up
        # checks say so): which of the two would it be?
        raise Http404 from None
    except requests.RequestException:
        reason = sso.Refused.UNREACHABLE
    except ProviderMisconfigured:
        reason = sso.Refused.OTHER
    name = get_social_adapter(request).get_app(request, provider=provider_id).name
    return refusal_page(request, sso.Refusal(reason, name))


@allows_organisation_forms
def provider_sign_in(request, provider_id):
    """allauth's own way to one provider (its page asking to re-authenticate links here): its
    form may reach the provider."""
    return _through_provider(request, provider_id, OAuth2LoginView)


def provider_callback(request, provider_id):
    """Where the provider sends the member back: the redirect URI registered with it."""
    return _through_provider(request, provider_id, OAuth2CallbackView)


def no_such_provider(request):
    raise Http404


@login_required
@allows_organisation_forms
@require_http_methods(["GET", "POST"])
def preferences(request):
    profile = services.profile_for(request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your preferences have been saved.")
        return redirect("members:preferences")
    return render(
        request,
        "members/preferences.html",
        {
            "form": form,
            "organisation": sso.organisation_accounts(
                member=request.user, apps=sso.sign_in_providers(request)
            ),
            "second_factor": second_factor.has_second_factor(request.user),
        },
    )


@login_required
@require_POST
def feed_key_reset(request):
    services.feed_key_reset(request.user)
    messages.success(request, "Your feeds have new addresses: the old ones no longer work.")
    return redirect(reverse("members:preferences") + "#feeds")


@login_required
@require_POST
def organisation_disconnect(request):
    """The member's organisation account no longer signs them in (allauth's rules: never the
    last way in)."""
    form = DisconnectForm(request.POST, request=request)
    if form.is_valid():
        try:
            form.save()  # allauth says so in a message, and the audit log records it
        except SocialApp.DoesNotExist:
            # Its provider has been removed from the site since: allauth cannot name it.
            account = form.cleaned_data["account"]
            account.delete()
            record_disconnected(sender=None, request=request, socialaccount=account)
    else:
        for error in form.non_field_errors() or ["Choose an organisation account to disconnect."]:
            messages.error(request, error)
    return redirect("members:preferences")


@login_required
def second_factor_continue(request):
    """After the recovery codes are saved: on to the page the member was sent from."""
    return redirect(second_factor.page_after_set_up(request))


@login_required
def export(request):
    data = services.member_export(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder),
        content_type="application/json",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-network-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def close_account(request):
    form = CloseAccountForm(request.POST if request.method == "POST" else None, member=request.user)
    if request.method == "POST" and form.is_valid():
        services.member_erase(request.user)
        logout(request)
        messages.success(request, "Your account is closed and your personal details are erased.")
        return redirect("home")
    return render(
        request,
        "members/close_account.html",
        {"form": form, "has_password": request.user.has_usable_password()},
    )
