from django.contrib import admin

from insights.models import Assessment, Story


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["title", "change", "result"]
    raw_id_fields = ["author", "reviewed_by", "community", "event"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["year", "feature", "rating"]
    list_filter = ["year", "feature"]
