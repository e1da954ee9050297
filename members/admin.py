from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from members.audit import role_changes_record, roles_of
from members.models import Organisation, Profile, Topic, User
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


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ProfileInline]

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
    list_display = ["name", "email", "is_staff", "is_active", "date_joined"]
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
