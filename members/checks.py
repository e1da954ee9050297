"""Start-up checks of the organisations' sign-ins (`manage.py check --database default`, and
every `migrate`): what SSO_PROVIDERS and the admin's providers disagree on. Each place refuses
a bad provider by itself (base.sso_providers); only here are the two seen together."""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from base import sso_providers as provider_rules
from members import sso
from members.models import Organisation, OrganisationProvider


@checks.register(checks.Tags.database)
def organisation_sign_ins(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    if not databases or "default" not in databases:
        return []
    try:
        in_admin = list(OrganisationProvider.objects.filter(provider=sso.OPENID_CONNECT))
        organisations = set(Organisation.objects.values_list("slug", flat=True))
    except DatabaseError:
        return []  # before the first migrate: nothing in the admin yet
    in_environment = settings.SOCIALACCOUNT_PROVIDERS.get(sso.OPENID_CONNECT, {}).get("APPS", [])
    found: list[checks.CheckMessage] = []
    admin_keys = [
        provider_rules.Keys(app.provider_id, app.client_id, tuple(app.settings.get("domains", [])))
        for app in in_admin
    ]
    for app in in_environment:
        for clash in provider_rules.clashes(provider_rules.keys_of(app), admin_keys):
            found.append(_clash_error(clash, app["provider_id"]))
        slug = app["settings"].get("organisation")
        if slug and slug not in organisations:
            found.append(
                checks.Warning(
                    f"SSO_PROVIDERS names the organisation {slug} for {app['provider_id']}, and "
                    "the network has no organisation with that slug.",
                    hint="Use the slug of one of the admin's Organisations, or leave it out: "
                    "new members' profiles then get no organisation from it.",
                    id="members.W001",
                )
            )
    for app in in_admin:
        try:
            provider_rules.clean_server_url(
                app.settings.get("server_url", ""), allow_plain_http=settings.DEBUG
            )
        except provider_rules.Invalid as problem:
            found.append(
                checks.Error(
                    f"The organisation sign-in {app.provider_id}'s issuer URL {problem}.",
                    hint="Correct it in the admin (Members, Organisation sign-ins).",
                    id="members.E002",
                )
            )
    return found


def _clash_error(clash: provider_rules.Clash, environment_id: str) -> checks.Error:
    if clash.what == "id":
        message = (
            f"The organisation sign-in {clash.value} is set up both in SSO_PROVIDERS and in the "
            "admin."
        )
    else:
        what = "client ID" if clash.what == "client_id" else f"domain {clash.value}"
        message = (
            f"The organisation sign-in {clash.other} (in the admin) has the {what} of "
            f"{environment_id} (in SSO_PROVIDERS)."
        )
    return checks.Error(
        message,
        hint="Remove the provider from one of the two places. Until then its members cannot "
        "sign in with it, or it speaks for addresses another provider speaks for.",
        id="members.E001",
    )
