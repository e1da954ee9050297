from django.contrib import admin

from network.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: a log that an admin could edit would prove nothing."""

    list_display = ["at", "actor", "action", "member", "detail"]
    list_filter = ["action", "at"]
    search_fields = ["detail", "actor__name", "actor__email", "member__name", "member__email"]
    list_select_related = ["actor", "member"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action", "member", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
