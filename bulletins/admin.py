from django.contrib import admin

from bulletins.models import Bulletin, BulletinSection, Delivery


class SectionInline(admin.StackedInline):
    model = BulletinSection
    extra = 0
    filter_horizontal = ["resources", "events", "communities"]


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "scheduled_for", "sent_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [SectionInline]
    readonly_fields = ["sent_at", "finished_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["bulletin", "member", "status", "sent_at", "attempts", "error"]
    list_filter = ["status", "bulletin"]
    raw_id_fields = ["member"]

    # Deliveries are the record of who was sent what: only the sending code changes them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
