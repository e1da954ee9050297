from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef

from members.audit import role_changes_record, roles_of
from members.models import Organisation, Profile, Topic, User
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
