from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from django.views.generic import RedirectView

from base.sso_providers import ProviderIdConverter
from members import views as member_views
from network import views

# The admin signs in through the members' sign-in page, so its attempts are rate limited too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Improvement Network administration"
admin.site.site_title = "Improvement Network admin"

handler500 = "network.views.server_error"

register_converter(ProviderIdConverter, "provider_id")

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("ping/", views.ping, name="ping"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("search/", include("search.urls")),
    # The sign-in and sign-up pages offer the organisations' providers (before allauth's own
    # routes, which they wrap); allauth's page of connected accounts is the preferences page.
    path(
        "accounts/login/",
        member_views.allows_organisation_forms(account_views.login),
        name="account_login",
    ),
    path(
        "accounts/signup/",
        member_views.allows_organisation_forms(account_views.signup),
        name="account_signup",
    ),
    path(
        "accounts/organisation/",
        member_views.organisation_sign_in,
        name="organisation_sign_in",
    ),
    # One provider's sign-in by its identifier; allauth's own routes below would also take its
    # name for the kind of provider, which stands for every provider at once.
    path(
        "accounts/oidc/<provider_id:provider_id>/login/",
        member_views.provider_sign_in,
        name="openid_connect_login",
    ),
    path(
        "accounts/oidc/<provider_id:provider_id>/login/callback/",
        member_views.provider_callback,
        name="openid_connect_callback",
    ),
    re_path(r"^accounts/oidc/", member_views.no_such_provider),
    path(
        "accounts/3rdparty/",
        RedirectView.as_view(pattern_name="members:preferences"),
        name="socialaccount_connections",
    ),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("communities/", include("communities.urls")),
    path("events/", include("events.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("resources/", include("resources.urls")),
    path("bulletins/", include("bulletins.urls")),
    path("projects/", include("projects.urls")),
    path("insights/", include("insights.urls")),
    path("feeds/", include("network.feed_urls")),
    path("admin/", admin.site.urls),
]
