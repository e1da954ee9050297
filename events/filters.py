import django_filters
from django import forms

from base.forms import FilterForm, NamedChoiceFilter
from events.models import Event
from events.services import event_search
from members.models import Region


class EventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Title, topic or description",
        method="search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    when = django_filters.ChoiceFilter(
        label="When",
        choices=[("past", "Past events")],
        empty_label="Upcoming events",
        method="filter_when",
    )
    kind = django_filters.ChoiceFilter(
        label="Type", choices=Event.Kind.choices, empty_label="Any type"
    )
    format = django_filters.ChoiceFilter(choices=Event.Format.choices, empty_label="Any format")
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label="Any region")
    community = NamedChoiceFilter(
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
        fields = ["q", "when", "kind", "format", "region", "community", "starts_from", "starts_to"]

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["community"].queryset = communities

    def search(self, events, name, value):
        return event_search(events, value)

    def filter_when(self, events, name, value):
        # The view chooses upcoming or past (and their order); nothing more to do here.
        return events
