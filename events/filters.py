import django_filters
from django import forms

from events.models import Event
from members.models import Region
from network.forms import FilterForm


class EventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label="Type", choices=Event.Kind.choices, empty_label="Any type"
    )
    format = django_filters.ChoiceFilter(choices=Event.Format.choices, empty_label="Any format")
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label="Any region")
    community = django_filters.ModelChoiceFilter(
        queryset=None, label="Hosting community", empty_label="Any community"
    )
    starts_from = django_filters.DateFilter(
        label="Starting on or after",
        field_name="starts_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_to = django_filters.DateFilter(
        label="Starting on or before",
        field_name="starts_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Event
        form = FilterForm
        fields = ["kind", "format", "region", "community", "starts_from", "starts_to"]

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["community"].queryset = communities
