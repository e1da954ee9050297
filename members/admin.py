import re

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.validators import DomainNameValidator
from django.db.models import Exists, OuterRef

from members import sso
from members.audit import role_changes_record, roles_of
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

    @admin.action(description="Reset the second factor (a lost or replaced phone)")
    def reset_second_factor(self, request, queryset):
        for member in queryset:
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
                f"({' and '.join(kinds)}). They sign in with their password and set up a new "
                "one; they have been told by e-mail.",
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
    server_url = forms.URLField(
        label="Issuer URL",
        max_length=300,
        assume_scheme="https",
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
        help_texts = {
            "name": "What members see: Sign in with … (at most 40 characters).",
            "provider_id": "Lower-case letters, digits and hyphens, such as nhs-example: part "
            "of the redirect URI, so it cannot change once registered with the provider.",
            "client_id": "From the provider's registration of the network.",
            "secret": "From the provider's registration of the network.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].required = True
        saved = self.instance.settings or {}
        self.fields["server_url"].initial = saved.get("server_url", "")
        self.fields["domains"].initial = "\n".join(saved.get("domains", []))
        self.fields["organisation"].initial = saved.get("organisation") or None

    def _other_providers(self) -> list[tuple[str, str, list[str]]]:
        """(identifier, client ID, domains) of every other provider, here or in SSO_PROVIDERS."""
        others = [
            (app.provider_id, app.client_id, app.settings.get("domains", []))
            for app in OrganisationProvider.objects.filter(provider=sso.OPENID_CONNECT).exclude(
                pk=self.instance.pk
            )
        ]
        others += [
            (app["provider_id"], app["client_id"], app["settings"]["domains"])
            for app in _env_providers()
        ]
        return others

    def clean_provider_id(self):
        value = self.cleaned_data["provider_id"].strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,60}", value):
            raise forms.ValidationError("Use lower-case letters, digits and hyphens only.")
        if value in {other for other, _, _ in self._other_providers()}:
            raise forms.ValidationError("Another organisation sign-in has this identifier.")
        return value

    def clean_client_id(self):
        value = self.cleaned_data["client_id"].strip()
        # allauth tells providers apart by client ID when a new member confirms their details.
        for other, client_id, _ in self._other_providers():
            if client_id == value:
                raise forms.ValidationError(
                    f"The organisation sign-in {other} has this client ID: each provider needs "
                    "its own registration."
                )
        return value

    def clean_server_url(self):
        value = self.cleaned_data["server_url"].rstrip("/")
        if not value.startswith("https://") and not sso.on_this_machine(value):
            raise forms.ValidationError("The issuer URL must start with https://")
        return value

    def clean_domains(self):
        domains = []
        validate = DomainNameValidator(accept_idna=False)
        for line in re.split(r"[\s,]+", self.cleaned_data["domains"]):
            domain = line.strip().lower().lstrip("@")
            if not domain or domain in domains:
                continue
            try:
                validate(domain)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"“{domain[:60]}” is not a domain name such as example.nhs.scot."
                ) from None
            domains.append(domain)
        if not domains:
            raise forms.ValidationError("Enter at least one domain, such as example.nhs.scot.")
        for other, _, their_domains in self._other_providers():
            shared = sorted(set(domains) & set(their_domains))
            if shared:
                raise forms.ValidationError(
                    f"{', '.join(shared)} already belongs to the organisation sign-in {other}: "
                    "one provider speaks for a domain."
                )
        return domains

    def save(self, commit=True):
        provider = super().save(commit=False)
        provider.provider = sso.OPENID_CONNECT
        organisation = self.cleaned_data.get("organisation")
        provider.settings = {
            **(provider.settings or {}),
            "server_url": self.cleaned_data["server_url"],
            "domains": self.cleaned_data["domains"],
            "organisation": organisation.slug if organisation else "",
        }
        if commit:
            provider.save()
        return provider


@admin.register(OrganisationProvider)
class OrganisationProviderAdmin(admin.ModelAdmin):
    """Organisations' OpenID Connect providers (others come from SSO_PROVIDERS)."""

    form = OrganisationProviderForm
    list_display = ["name", "provider_id", "domain_list"]
    search_fields = ["name", "provider_id"]
    readonly_fields = ["redirect_uri"]
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

    def get_queryset(self, request):
        return super().get_queryset(request).filter(provider=sso.OPENID_CONNECT)

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
