from django.contrib import admin

from projects.measures import measure_analysed
from projects.models import ChangeIdea, Cycle, Driver, Measure, Phase, Project, Sample, TeamMember
from projects.services import project_index


class TeamInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["member"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "level", "visibility", "updated_at"]
    list_filter = ["status", "level", "visibility"]
    search_fields = ["title", "aim"]
    filter_horizontal = ["organisations", "topics"]
    # What helped is named by the team on the project's page, where they see only what they
    # may see; the admin leaves those links alone.
    exclude = ["communities", "events", "resources", "matches"]
    inlines = [TeamInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        project_index(form.instance)


class SampleInline(admin.TabularInline):
    model = Sample
    extra = 0


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "kind", "chart", "rules"]
    list_filter = ["kind", "chart", "rules"]
    search_fields = ["title", "project__title"]
    raw_id_fields = ["project"]
    inlines = [PhaseInline, SampleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Figures changed here are analysed as the team's own changes are, so the verdict and
        # the drawn charts follow them.
        measure_analysed(form.instance)


class CycleInline(admin.StackedInline):
    model = Cycle
    extra = 0
    exclude = ["created_by"]


@admin.register(ChangeIdea)
class ChangeIdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "adopted_from"]
    search_fields = ["title", "project__title"]
    raw_id_fields = ["project", "driver", "adopted_from"]
    inlines = [CycleInline]


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    list_display = ["text", "project", "parent"]
    search_fields = ["text", "project__title"]
    raw_id_fields = ["project", "parent"]
