import django_filters
from django import forms

from base.forms import FilterForm, NamedChoiceFilter
from members.models import Organisation, Topic
from resources.models import Resource


class ResourceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Words to look for",
        method="search",
        help_text="In titles, summaries and the text of PDF and Word files.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = django_filters.ChoiceFilter(
        label="Type", choices=Resource.Kind.choices, empty_label="Any type"
    )
    topic = NamedChoiceFilter(
        label="Topic",
        field_name="topics",
        queryset=Topic.objects.all(),
        empty_label="Any topic",
    )
    organisation = NamedChoiceFilter(
        queryset=Organisation.objects.only("pk", "name"), empty_label="Any organisation"
    )
    published_from = django_filters.DateFilter(
        label="Published on or after",
        field_name="published_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    published_to = django_filters.DateFilter(
        label="Published on or before",
        field_name="published_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Resource
        form = FilterForm
        fields = ["q", "kind", "topic", "organisation", "published_from", "published_to"]

    def search(self, resources, name, value):
        # Ranking happens in the view, once the other filters have narrowed the list.
        return resources
