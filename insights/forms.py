from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils import timezone

from base.forms import FilterForm
from communities.models import Community, Membership
from events.models import Event, Registration
from insights.measures import EVERYONE, PERIODS, Scope
from insights.models import Assessment, Feature, Story
from insights.services import an_id
from members.models import Organisation, Region
from members.roles import ANY_MEMBER
from projects.models import Measure as ProjectMeasure
from projects.models import Project, TeamMember


class StoryForm(forms.ModelForm):
    features = forms.MultipleChoiceField(
        label="Which features of the network does it reflect?",
        choices=Feature.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one feature."},
    )

    class Meta:
        model = Story
        fields = [
            "title",
            "change",
            "place",
            "result",
            "features",
            "community",
            "event",
            "mentoring_helped",
            "measure",
        ]
        labels = {
            "title": "A title for your story",
            "change": "What did you change?",
            "place": "Where?",
            "result": "What happened as a result?",
            "community": "A community of practice that helped",
            "event": "An event that helped",
            "mentoring_helped": "Mentoring through the network helped",
            "measure": "A chart from your improvement project",
        }
        help_texts = {
            "place": "The team, service or area, for example “Ward 7, Ninewells Hospital”.",
            "result": "What people noticed: figures if you have them, or what they said.",
            "measure": "Shown with your story to readers who may see the project's charts.",
        }
        widgets = {
            "change": forms.Textarea(attrs={"rows": 5}),
            "result": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "title": {"required": "Enter a title."},
            "change": {"required": "Say what you changed."},
            "place": {"required": "Say where the change happened."},
            "result": {"required": "Say what happened as a result."},
        }

    def __init__(self, *args, author, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the author belongs to or attended, and only what every member may know of: a
        # published story must not name a community others may not know exists.
        self.fields["community"].queryset = Community.objects.visible_to(ANY_MEMBER).filter(
            pk__in=Membership.objects.filter(member=author).values("community_id")
        )
        self.fields["community"].empty_label = "None"
        self.fields["event"].queryset = (
            Event.objects.visible_to(ANY_MEMBER)
            .filter(
                pk__in=Registration.objects.filter(
                    member=author, status=Registration.Status.CONFIRMED
                ).values("event_id"),
                starts_at__lte=timezone.now(),
            )
            .order_by("-starts_at")
        )
        self.fields["event"].empty_label = "None"
        self._offer_measures(author)

    def _offer_measures(self, author) -> None:
        """The measures of the author's own projects, and the one the story was started from
        (?measure=), if the author may read its project; a member with none is not asked."""
        chosen = an_id(self.data.get("measure") if self.is_bound else self.initial.get("measure"))
        own_projects = TeamMember.objects.filter(member=author)
        offered = (
            ProjectMeasure.objects.filter(
                project__in=Project.objects.readable_by(author).values("pk")
            )
            .filter(Q(project__in=own_projects.values("project_id")) | Q(pk=chosen))
            .select_related("project")
            .order_by("project__title", "position", "pk")
        )
        if not offered.exists():
            del self.fields["measure"]
            return
        field = self.fields["measure"]
        field.queryset = offered
        field.empty_label = "None"
        field.label_from_instance = lambda measure: f"{measure.project.title}: {measure.title}"
        field.error_messages["invalid_choice"] = "Choose one of your projects' charts, or none."


class AssessmentForm(forms.Form):
    year = forms.IntegerField(
        label="Year",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "Enter the year.",
            "invalid": "Enter a year, for example 2026.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        for feature in Feature:
            self.fields[f"{feature.value}_rating"] = forms.TypedChoiceField(
                label="Rating",
                coerce=int,
                choices=[(n, str(n)) for n in range(1, 6)],
                widget=forms.RadioSelect,
                help_text="1 is weak, 5 is strong.",
                error_messages={"required": f"Rate {feature.label.lower()} from 1 to 5."},
            )
            self.fields[f"{feature.value}_evidence"] = forms.CharField(
                label="Evidence",
                required=False,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def feature_groups(self):
        """Each feature's rating and evidence together, for one fieldset each."""
        return [
            (feature.label, self[f"{feature.value}_rating"], self[f"{feature.value}_evidence"])
            for feature in Feature
        ]

    def ratings(self) -> dict[str, tuple[int, str]]:
        return {
            feature.value: (
                self.cleaned_data[f"{feature.value}_rating"],
                self.cleaned_data[f"{feature.value}_evidence"],
            )
            for feature in Feature
        }

    @classmethod
    def initial_for(cls, year: int) -> dict:
        initial = {"year": year}
        for assessment in Assessment.objects.filter(year=year):
            initial[f"{assessment.feature}_rating"] = assessment.rating
            initial[f"{assessment.feature}_evidence"] = assessment.evidence
        return initial


class MeasureFilterForm(FilterForm):
    months = forms.TypedChoiceField(
        label="Period",
        coerce=int,
        choices=[(months, label.capitalize()) for months, label in PERIODS.items()],
        required=False,
        empty_value=12,
        initial=12,
    )
    region = forms.ChoiceField(
        label="Region", choices=[("", "All of Scotland"), *Region.choices], required=False
    )
    organisation_kind = forms.ChoiceField(
        label="Type of organisation",
        choices=[("", "All types"), *Organisation.Kind.choices],
        required=False,
    )
    community = forms.ModelChoiceField(
        label="Community",
        # The figures are the whole network's: only what every member may know of.
        queryset=Community.objects.visible_to(ANY_MEMBER).order_by("name"),
        empty_label="All communities",
        required=False,
    )

    def __init__(self, *args, narrowing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not narrowing:
            # Members see the network-wide summary; narrowing is for coordinators.
            for name in ("region", "organisation_kind", "community"):
                del self.fields[name]

    def choice(self) -> tuple[int, Scope]:
        """The period and scope asked for; a field that is wrong falls back on its own."""
        if not self.is_bound:
            return 12, EVERYONE
        self.is_valid()
        community = self.cleaned_data.get("community")
        return self.cleaned_data.get("months") or 12, Scope(
            region=self.cleaned_data.get("region", ""),
            organisation_kind=self.cleaned_data.get("organisation_kind", ""),
            community=community.pk if community else None,
        )

    def description(self) -> str:
        """Whose figures these are, in words: "members in the East region, of councils"."""
        _, scope = self.choice()
        parts = []
        if scope.region:
            parts.append(f"in the {Region(scope.region).label} region")
        if scope.organisation_kind:
            kind = Organisation.Kind(scope.organisation_kind).label.lower()
            parts.append(f"from {kind} organisations")
        if scope.community:
            parts.append(f"of the community {self.cleaned_data['community'].name}")
        return "members " + ", ".join(parts) if parts else ""

    def query(self) -> str:
        """The same choice as a query string, for the CSV links."""
        months, scope = self.choice()
        return urlencode(
            {
                "months": months,
                "region": scope.region,
                "organisation_kind": scope.organisation_kind,
                "community": scope.community or "",
            }
        )
