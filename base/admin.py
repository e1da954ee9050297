from django.contrib import admin

from base.audit import action_choices, action_label
from base.models import AuditEntry


class DecisionFilter(admin.SimpleListFilter):
    """The decisions in words, as the apps that take them name them."""

    title = "decision"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: a log that an admin could edit would prove nothing."""

    list_display = ["at", "actor", "decision", "member", "detail"]
    list_filter = [DecisionFilter, "at"]
    search_fields = ["detail", "actor__name", "actor__email", "member__name", "member__email"]
    list_select_related = ["actor", "member"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action", "member", "detail"]
    readonly_fields = fields

    @admin.display(description="decision", ordering="action")
    def decision(self, entry: AuditEntry) -> str:
        return action_label(entry.action)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
