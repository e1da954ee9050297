import json
import re

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.html import format_html

from base import sso_providers as provider_rules
from base.audit import audit_record
from members import sso
from members.adapter import record_disconnected
from members.audit import Action, role_changes_record, roles_of
from members.models import Organisation, OrganisationProvider, Profile, Topic, User
from members.roles import holds_staff_role
from members.second_factor import FACTORS, second_factor_reset
from members.services import profile_index, profiles_index


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = [
        "slug",
        "job_title",
        "organisation",
        "sector",
        "region",
        "locality",
        "bio",
        "expertise",
        "expertise_tags",
        "interests",
        "links",
        "photo",
        "open_to_mentoring",
        "looking_for_mentor",
        "visibility",
        "email_visibility",
    ]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["expertise", "interests"]


# allauth's own page of authenticators shows each key and recovery-code seed, and would let an
# admin remove one unrecorded: the members' list says who has one, and its reset is recorded.
admin.site.unregister(Authenticator)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ProfileInline]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        factors = Authenticator.objects.filter(user=OuterRef("pk"), type__in=FACTORS)
        return super().get_queryset(request).annotate(has_second_factor=Exists(factors))

    @admin.display(description="second factor", boolean=True, ordering="has_second_factor")
    def second_factor(self, member: User) -> bool:
        return member.has_second_factor

    # Changing members is the permission it needs: it takes away the way staff sign in.
    @admin.action(
        description="Reset the second factor (a lost or replaced phone)",
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        for member in queryset:
            if member.pk == request.user.pk:
                # It would end the admin's own role at once, mid-task: their own page does it.
                self.message_user(
                    request,
                    "Your own second factor is not reset here: change it on your own second "
                    "factor page, or ask another admin.",
                    messages.WARNING,
                )
                continue
            kinds = second_factor_reset(admin=request.user, member=member)
            if not kinds:
                self.message_user(
                    request, f"{member.name or member.email} had no second factor.", messages.INFO
                )
                continue
            # allauth sends the account's own e-mails (docs/decisions.md, the outbox).
            get_mfa_adapter().send_notification_mail(
                "mfa/email/second_factor_reset",
                member,
                {"kinds": " and ".join(kinds), "staff": holds_staff_role(member)},
            )
            self.message_user(
                request,
                f"The second factor of {member.name or member.email} is removed "
                f"({' and '.join(kinds)}). They set up a new one when they next sign in; they "
                "have been told by e-mail.",
                messages.SUCCESS,
            )

    def save_model(self, request, obj, form, change):
        # Read before saving: the audit log records what this edit granted or removed. Kept on
        # the form, which belongs to this request alone (the admin object serves them all).
        form.roles_before = roles_of(obj) if change else set()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        role_changes_record(
            actor=request.user,
            member=form.instance,
            before=form.roles_before,
            after=roles_of(form.instance),
        )
        # The directory searches a stored vector: an admin's edit must reach it too.
        for profile in Profile.objects.filter(member=form.instance):
            profile_index(profile)

    ordering = ["name"]
    list_display = ["name", "email", "is_staff", "second_factor", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["name", "email"]
    fieldsets = [
        (None, {"fields": ["email", "name", "password"]}),
        (
            "Roles",
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups"],
                "description": "Add a member to Coordinators or Curators to give that role.",
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})
    ]
    filter_horizontal = ["groups"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            profiles_index(obj.profiles.all())


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            profiles_index(obj.experts.all())


def _env_providers() -> list[dict]:
    return settings.SOCIALACCOUNT_PROVIDERS.get(sso.OPENID_CONNECT, {}).get("APPS", [])


class OrganisationProviderForm(forms.ModelForm):
    server_url = forms.CharField(
        label="Issuer URL",
        max_length=300,
        help_text="Where the provider publishes its OpenID configuration. Microsoft Entra ID: "
        "https://login.microsoftonline.com/&lt;directory (tenant) ID&gt;/v2.0",
    )
    domains = forms.CharField(
        label="E-mail domains",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The addresses this provider speaks for, one domain on each line, such as "
        "example.nhs.scot. A member's address counts as verified only in these domains; any "
        "other is refused.",
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        required=False,
        help_text="Filled in on new members' profiles when the provider names no organisation "
        "of the network's list.",
    )

    class Meta:
        model = OrganisationProvider
        fields = ["name", "provider_id", "client_id", "secret"]
        labels = {
            "provider_id": "Identifier",
            "client_id": "Application (client) ID",
            "secret": "Client secret",
        }
        widgets = {"secret": forms.PasswordInput(attrs={"autocomplete": "off"})}
        help_texts = {
            "name": "What members see: Sign in with … (at most 40 characters).",
            "provider_id": "Lower-case letters, digits and hyphens, such as nhs-example: part "
            "of the redirect URI, so it cannot change once registered with the provider.",
            "client_id": "From the provider's registration of the network.",
            "secret": "From the provider's registration of the network.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = self.instance.settings or {}
        if self.instance.pk and sso.provider_in_use(self.instance):
            # OrganisationProviderAdmin shows them instead.
            self.fields.pop("provider_id", None)
            self.fields.pop("server_url", None)
        else:
            self.fields["provider_id"].required = True
            self.fields["server_url"].initial = saved.get("server_url", "")
        self.fields["domains"].initial = "\n".join(saved.get("domains", []))
        self.fields["organisation"].initial = saved.get("organisation") or None
        if self.instance.pk:
            # Never shown again; left blank, it stays as it is.
            self.initial["secret"] = ""
            self.fields["secret"].help_text = "Leave blank to keep the one saved."
        self.fields["secret"].required = not self.instance.pk

    def clean_secret(self):
        return self.cleaned_data["secret"] or self.instance.secret

    def _other_providers(self) -> list[provider_rules.Keys]:
        """Every other provider, here or in SSO_PROVIDERS: what this one may not share."""
        others = OrganisationProvider.objects.filter(provider=sso.OPENID_CONNECT).exclude(
            pk=self.instance.pk
        )
        return [
            provider_rules.Keys(app.provider_id, app.client_id, tuple(app.settings["domains"]))
            for app in others
        ] + [provider_rules.keys_of(app) for app in _env_providers()]

    def _clashes(self, what: str, **keys) -> list[provider_rules.Clash]:
        mine = provider_rules.Keys(
            keys.get("provider_id", ""), keys.get("client_id", ""), keys.get("domains", ())
        )
        found = provider_rules.clashes(mine, self._other_providers())
        return [clash for clash in found if clash.what == what]

    def clean_provider_id(self):
        value = self.cleaned_data["provider_id"].strip()
        if provider_rules.provider_id_problem(value):
            raise forms.ValidationError("Use lower-case letters, digits and hyphens only.")
        if self._clashes("id", provider_id=value):
            raise forms.ValidationError("Another organisation sign-in has this identifier.")
        return value

    def clean_client_id(self):
        value = self.cleaned_data["client_id"].strip()
        for clash in self._clashes("client_id", client_id=value):
            raise forms.ValidationError(
                f"The organisation sign-in {clash.other} has this client ID: each provider "
                "needs its own registration."
            )
        return value

    def clean_server_url(self):
        try:
            return provider_rules.clean_server_url(
                self.cleaned_data["server_url"], allow_plain_http=settings.DEBUG
            )
        except provider_rules.Invalid as problem:
            raise forms.ValidationError(f"The issuer URL {problem}.") from None

    def clean_domains(self):
        domains = []
        for line in re.split(r"[\s,]+", self.cleaned_data["domains"]):
            if not line.strip():
                continue
            try:
                domain = provider_rules.clean_domain(line)
            except provider_rules.Invalid as problem:
                raise forms.ValidationError(f"{problem}.") from None
            if domain not in domains:
                domains.append(domain)
        if not domains:
            raise forms.ValidationError("Enter at least one domain, such as example.nhs.scot.")
        for clash in self._clashes("domain", domains=tuple(domains)):
            raise forms.ValidationError(
                f"{clash.value} already belongs to the organisation sign-in {clash.other}: "
                "one provider speaks for a domain."
            )
        return domains

    def save(self, commit=True):
        provider = super().save(commit=False)
        provider.provider = sso.OPENID_CONNECT
        organisation = self.cleaned_data.get("organisation")
        provider.settings = {
            **(provider.settings or {}),
            "server_url": self.cleaned_data.get("server_url", provider.settings.get("server_url")),
            "domains": self.cleaned_data["domains"],
            "organisation": organisation.slug if organisation else "",
        }
        if commit:
            provider.save()
        return provider


PROVIDER_FIELD_NAMES = {
    "provider_id": "identifier",
    "server_url": "issuer URL",
    "client_id": "client ID",
    "secret": "client secret",
}


def _record_provider(request, provider, action, changed: str = "") -> None:
    detail = f"{provider.name} ({provider.provider_id})"
    audit_record(
        actor=request.user, action=action, detail=f"{detail}: {changed}" if changed else detail
    )


@admin.register(OrganisationProvider)
class OrganisationProviderAdmin(admin.ModelAdmin):
    """Organisations' OpenID Connect providers (others come from SSO_PROVIDERS)."""

    form = OrganisationProviderForm
    list_display = ["name", "provider_id", "domain_list"]
    search_fields = ["name", "provider_id"]
    fields = [
        "name",
        "provider_id",
        "server_url",
        "client_id",
        "secret",
        "domains",
        "organisation",
        "redirect_uri",
    ]

    def _in_use(self, obj) -> bool:
        return obj is not None and sso.provider_in_use(obj)

    def get_fields(self, request, obj=None):
        if self._in_use(obj):
            return [{"server_url": "issuer_url"}.get(name, name) for name in self.fields]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        # Once members have connected accounts, a new identifier would orphan them, and another
        # issuer's people whose subjects happen to match would open their accounts.
        if self._in_use(obj):
            return ["provider_id", "issuer_url", "redirect_uri"]
        return ["redirect_uri"]

    @admin.display(description="issuer URL (fixed once members have signed in with it)")
    def issuer_url(self, provider):
        return provider.settings.get("server_url", "")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(provider=sso.OPENID_CONNECT)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            _record_provider(request, obj, Action.ORGANISATION_SIGN_IN_ADDED)
        elif form.changed_data:
            # What changed, never to what: one of them is the client secret.
            changed = ", ".join(PROVIDER_FIELD_NAMES.get(name, name) for name in form.changed_data)
            _record_provider(request, obj, Action.ORGANISATION_SIGN_IN_CHANGED, changed)

    def delete_model(self, request, obj):
        _record_provider(request, obj, Action.ORGANISATION_SIGN_IN_REMOVED)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for provider in queryset:
            _record_provider(request, provider, Action.ORGANISATION_SIGN_IN_REMOVED)
        super().delete_queryset(request, queryset)

    @admin.display(description="domains")
    def domain_list(self, provider):
        return ", ".join(provider.settings.get("domains", []))

    @admin.display(description="redirect URI")
    def redirect_uri(self, provider):
        if not provider.provider_id:
            return "Shown once saved: register it with the provider."
        return sso.redirect_uri(provider)


# Providers are set up above, in the network's words; allauth's own page would take any kind of
# provider and a settings field in JSON. Tokens are never kept (SOCIALACCOUNT_STORE_TOKENS).
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class OrganisationAccountAdmin(admin.ModelAdmin):
    """Members' connected organisation accounts, with what their providers last said, to look
    at. A connection is made only by its member signing in at the provider; an admin may remove
    one (the audit log records it), never make or move one."""

    list_display = ["user", "provider", "date_joined", "last_login"]
    list_filter = ["provider"]
    search_fields = ["user__name", "user__email", "uid"]
    fields = ["user", "provider", "uid", "date_joined", "last_login", "claims"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="what the provider said (its claims)")
    def claims(self, account):
        return format_html("<pre>{}</pre>", json.dumps(account.extra_data, indent=2))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        record_disconnected(sender=None, request=request, socialaccount=obj)

    def delete_queryset(self, request, queryset):
        accounts = list(queryset)
        super().delete_queryset(request, queryset)
        for account in accounts:
            record_disconnected(sender=None, request=request, socialaccount=account)
