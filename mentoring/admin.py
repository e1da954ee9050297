from django.contrib import admin

from mentoring.models import Cohort, MentoringRequest, MentorOffer


@admin.register(MentorOffer)
class MentorOfferAdmin(admin.ModelAdmin):
    list_display = ["mentor", "capacity", "format", "paused"]
    list_filter = ["paused", "format"]
    raw_id_fields = ["mentor"]


@admin.register(MentoringRequest)
class MentoringRequestAdmin(admin.ModelAdmin):
    # Goals are shown; the pair's meeting notes are deliberately not in the admin at all.
    list_display = ["mentee", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["mentee"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "created_at"]
