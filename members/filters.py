import django_filters
from django import forms

from base.forms import FilterForm, NamedChoiceFilter
from members.models import Organisation, Profile, Region, Sector, Topic
from members.services import directory_search


class DirectoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name, job title or expertise",
        method="search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    expertise = NamedChoiceFilter(
        label="Expertise", queryset=Topic.objects.all(), empty_label="Any expertise"
    )
    organisation = NamedChoiceFilter(
        label="Organisation",
        queryset=Organisation.objects.only("pk", "name"),
        empty_label="Any organisation",
    )
    organisation_type = django_filters.ChoiceFilter(
        label="Type of organisation",
        field_name="organisation__kind",
        choices=Organisation.Kind.choices,
        empty_label="Any type",
    )
    sector = django_filters.ChoiceFilter(choices=Sector.choices, empty_label="Any sector")
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label="Any region")
    mentoring = django_filters.ChoiceFilter(
        label="Mentoring",
        method="filter_mentoring",
        choices=[("mentors", "Open to mentoring"), ("mentees", "Looking for a mentor")],
        empty_label="Either",
    )

    class Meta:
        model = Profile
        form = FilterForm
        fields = ["q", "expertise", "organisation", "organisation_type", "sector", "region"]

    def search(self, profiles, name, value):
        return directory_search(profiles, value)

    def filter_mentoring(self, profiles, name, value):
        if value == "mentors":
            return profiles.filter(open_to_mentoring=True)
        return profiles.filter(looking_for_mentor=True)
