from django import forms
from django.contrib import admin

from insights.models import Assessment, Story, Target


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


class TargetForm(forms.ModelForm):
    """One list of every region, type of organisation and sector, grouped, instead of a
    dimension and a value to keep in step by hand."""

    applies_to = forms.ChoiceField(
        label="Members in",
        choices=[
            (dimension.label, [(f"{dimension}:{value}", label) for value, label in choices])
            for dimension in Target.Dimension
            for choices in [Target.choices_for(dimension)]
        ],
    )

    class Meta:
        model = Target
        fields = ["members"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["applies_to"] = f"{self.instance.dimension}:{self.instance.value}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("applies_to"):
            self.instance.dimension, self.instance.value = cleaned["applies_to"].split(":", 1)
            clash = Target.objects.filter(
                dimension=self.instance.dimension, value=self.instance.value
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("applies_to", "There is a target for these members already.")
        return cleaned


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    form = TargetForm
    fields = ["applies_to", "members"]
    list_display = ["__str__", "dimension", "members", "updated_at"]
    list_filter = ["dimension"]
