from django.contrib import admin

from resources.models import Bulletin, BulletinSection, Delivery, Resource
from resources.services import resource_index


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "audience", "featured", "published_on"]
    list_filter = ["status", "kind", "audience", "featured"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["organisation", "contributor"]
    filter_horizontal = ["topics"]
    # Files go through the library's own form, which checks them and names them safely.
    readonly_fields = [
        "file",
        "file_name",
        "file_size",
        "rating_count",
        "rating_average",
        "use_count",
        "suggested_at",
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        resource_index(form.instance)


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
