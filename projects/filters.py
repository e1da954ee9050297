import django_filters
from django import forms

from base.forms import FilterForm, NamedChoiceFilter
from members.models import Organisation, Region, Topic
from projects.models import Project
from projects.services import project_search


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Title or aim", method="search", widget=forms.TextInput(attrs={"type": "search"})
    )
    topic = NamedChoiceFilter(
        label="Topic", field_name="topics", queryset=Topic.objects.all(), empty_label="Any topic"
    )
    organisation = NamedChoiceFilter(
        label="Organisation",
        field_name="organisations",
        queryset=Organisation.objects.all(),
        empty_label="Any organisation",
    )
    region = django_filters.ChoiceFilter(
        label="Region", choices=Region.choices, empty_label="Any region", method="in_region"
    )
    level = django_filters.ChoiceFilter(choices=Project.Level.choices, empty_label="Any level")
    status = django_filters.ChoiceFilter(choices=Project.Status.choices, empty_label="Any status")

    class Meta:
        model = Project
        form = FilterForm
        fields = ["q", "topic", "organisation", "region", "level", "status"]

    def search(self, projects, name, value):
        return project_search(projects, value, viewer=self.request.user)

    def in_region(self, projects, name, value):
        # A subquery, not a join: a project of two organisations in the region is listed once.
        in_region = Project.objects.filter(organisations__region=value).values("pk")
        return projects.filter(pk__in=in_region)
