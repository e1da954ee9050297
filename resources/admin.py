from django.contrib import admin

from resources.indexing import resource_index
from resources.models import Resource


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
