import django_filters
from django import forms

from base.forms import FilterForm, NamedChoiceFilter
from communities.models import Community
from communities.services import community_search
from members.models import Region, Topic


class CommunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name or purpose", method="search", widget=forms.TextInput(attrs={"type": "search"})
    )
    topic = NamedChoiceFilter(
        label="Topic", field_name="topics", queryset=Topic.objects.all(), empty_label="Any topic"
    )
    region = django_filters.ChoiceFilter(choices=Region.choices, empty_label="Any region")
    level = django_filters.ChoiceFilter(choices=Community.Level.choices, empty_label="Any level")

    class Meta:
        model = Community
        form = FilterForm
        fields = ["q", "topic", "region", "level"]

    def search(self, communities, name, value):
        return community_search(communities, value)
