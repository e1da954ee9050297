from django.contrib import admin

from mentoring.models import Cohort, MentoringRequest, MentorOffer


@admin.register(MentorOffer)
class MentorOfferAdmin(admin.ModelAdmin):
    list_display = ["mentor", "capacity", "format", "paused"]
    list_filter = ["paused", "format"]
    raw_id_fields = ["mentor"]


@admin.register(MentoringRequest)
class MentoringRequestAdmin(admin.ModelAdmin):
    # What a mentee wants to achieve is for the mentors they ask; meeting notes are for the pair.
    # Neither is shown here.
    list_display = ["mentee", "status", "created_at"]
    list_filter = ["status"]
    fields = ["mentee", "status", "created_at"]
    readonly_fields = ["mentee", "created_at"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "created_at"]
    fields = ["name", "status", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
