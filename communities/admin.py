from django.contrib import admin

from base.audit import audit_record
from communities.audit import Action
from communities.models import Community, JoinRequest, Membership, Post, Report, Thread
from communities.services import community_update, threads_index
from members.models import User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["member"]
    fields = ["member", "role", "digest", "joined_at"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "privacy", "level", "region", "last_activity_at"]
    list_filter = ["privacy", "level", "region"]
    search_fields = ["name", "purpose"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["topics"]
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change):
        community = form.instance
        before = dict(community.memberships.values_list("member_id", "role")) if change else {}
        super().save_related(request, form, formsets, change)
        community_update(community)
        after = dict(community.memberships.values_list("member_id", "role"))
        # Moderators appointed or stood down here belong in the audit log, as on the site.
        moderator = Membership.Role.MODERATOR
        for member_id in before.keys() | after.keys():
            was, now = before.get(member_id) == moderator, after.get(member_id) == moderator
            if was != now:
                audit_record(
                    actor=request.user,
                    action=Action.MODERATOR_APPOINTED if now else Action.MODERATOR_REMOVED,
                    member=User.objects.get(pk=member_id),
                    detail=community.name,
                )


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "author", "post_count", "pinned", "locked"]
    list_filter = ["pinned", "locked", "community"]
    search_fields = ["title"]
    raw_id_fields = ["author", "answer"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        threads_index(Thread.objects.filter(pk=obj.pk))


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["thread", "author", "state", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["thread", "author"]
    readonly_fields = ["body_html"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        threads_index(Thread.objects.filter(pk=obj.thread_id))


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["community", "member", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["member", "decided_by"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["post", "reporter", "created_at", "resolved_at"]
    raw_id_fields = ["post", "reporter", "resolved_by"]
