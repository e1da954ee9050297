from django.contrib import admin

from events.models import Event, Feedback, Registration, Series
from events.services import event_index


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["member"]
    fields = ["member", "status", "created_at", "attended"]
    # Places change only through the rules (lock, waiting list, offers): not by hand here.
    readonly_fields = ["member", "status", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "format", "starts_at", "capacity", "visibility"]
    list_filter = ["kind", "format", "visibility", "region"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["organiser"]
    filter_horizontal = ["tags"]
    inlines = [RegistrationInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        event_index(form.instance)  # the tags are saved by now


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["registration", "rating", "created_at"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "visibility", "community"]
    list_filter = ["kind", "visibility"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["organiser"]
