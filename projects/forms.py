import re

from django import forms
from django.utils import timezone

from communities.models import Community
from members.models import Organisation
from projects.diagrams import OutlineError, outline_parse
from projects.figures import RATIO_CHARTS
from projects.measures import RULES_FOR_CHART
from projects.models import ChangeIdea, Cycle, Measure, Project, TeamMember


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "title",
            "aim",
            "summary",
            "status",
            "level",
            "organisations",
            "topics",
            "communities",
            "started_on",
            "visibility",
            "public_charts",
        ]
        labels = {
            "title": "Name of the project",
            "organisations": "Organisations taking part",
            "topics": "Topics",
            "communities": "Communities of practice",
        }
        help_texts = {
            "organisations": "Choose one or more (hold Ctrl, or Cmd on a Mac, to choose several).",
            "started_on": "For example, 14 3 2026.",
            "visibility": "A public summary shows visitors the title, aim, organisations and"
            " status; the team, diagram, cycles and data stay with members.",
        }
        widgets = {
            "aim": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 6}),
            "status": forms.RadioSelect,
            "level": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "topics": forms.CheckboxSelectMultiple,
            "organisations": forms.SelectMultiple(attrs={"size": 8}),
            "communities": forms.CheckboxSelectMultiple,
            "started_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.order_by("name")
        # A member links only the communities they may see; a link already made to one they
        # may not see stays (below), unseen and untouched.
        visible = Community.objects.visible_to(viewer)
        self.fields["communities"].queryset = visible.order_by("name")
        self._hidden_communities = (
            list(self.instance.communities.exclude(pk__in=visible.values("pk")))
            if self.instance.pk
            else []
        )

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the project a name.")
        return title

    def clean_aim(self):
        aim = " ".join(self.cleaned_data["aim"].split())
        if len(aim) < 20:
            raise forms.ValidationError(
                "Write the aim as a sentence: what will improve, by how much, by when and for whom."
            )
        return aim

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("public_charts") and cleaned.get("visibility") != Project.Visibility.PUBLIC:
            # Quietly off: the charts can only be public when the summary is.
            cleaned["public_charts"] = False
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        if self._hidden_communities:
            self.instance.communities.add(*self._hidden_communities)


class TeamAddForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=TeamMember.Role.choices, initial=TeamMember.Role.MEMBER)


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=TeamMember.Role.choices)


class HelpedForm(forms.Form):
    """What helped the project, ticked from what the page offers (projects.helped): each list
    holds only what the member may see, so a posted number outside it is refused."""

    optional_is_implied = True  # nothing has to be ticked: none says "(optional)"
    KINDS = {
        "communities": (
            "Communities of practice",
            "Your communities and those named already. Find others with the search box.",
        ),
        "events": (
            "Events",
            "The events you registered for lately and those named already.",
        ),
        "matches": (
            "Mentoring",
            "Your own mentoring relationships: only you and the other person see them named.",
        ),
        "resources": (
            "Resources",
            "Resources you rated, used or added, and those named already.",
        ),
    }

    def __init__(self, *args, offered: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = {kind: {str(thing.pk): thing for thing in offered[kind]} for kind in offered}
        for kind, (label, help_text) in self.KINDS.items():
            self.fields[kind] = forms.MultipleChoiceField(
                label=label,
                help_text=help_text,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(pk, _label(kind, thing)) for pk, thing in self.offered[kind].items()],
                initial=[str(thing.pk) for thing in offered[kind] if thing.linked],
                error_messages={"invalid_choice": "Choose from the list: one you ticked is gone."},
            )

    def chosen(self) -> dict[str, list]:
        """What was ticked, as the things themselves."""
        return {
            kind: [self.offered[kind][pk] for pk in self.cleaned_data[kind]] for kind in self.KINDS
        }


def _label(kind: str, thing) -> str:
    if kind == "events":
        return f"{thing.title}, {timezone.localtime(thing.starts_at):%-d %B %Y}"
    if kind == "matches":
        return f"Mentoring: {thing.mentor.display_name} and {thing.mentee.display_name}"
    return str(thing)


# --- the driver diagram, change ideas and PDSA cycles ------------------------------------------

_ENTRY = re.compile(r"^(driver|idea)-(\d{1,12})$")
DIAGRAM_ACTIONS = ("rename", "up", "down", "remove", "add-driver", "add-idea")


class DiagramChangeForm(forms.Form):
    """One of the small forms of the diagram page: rename, move or remove an entry, or add one
    under a driver (or a primary driver, under nothing)."""

    action = forms.ChoiceField(choices=[(action, action) for action in DIAGRAM_ACTIONS])
    entry = forms.CharField(required=False)
    under = forms.CharField(required=False)
    text = forms.CharField(required=False, strip=True)

    def _reference(self, name: str) -> tuple[str, int] | None:
        value = self.cleaned_data.get(name) or ""
        if not value:
            return None
        found = _ENTRY.match(value)
        if found is None:
            raise forms.ValidationError("Not an entry of the diagram.")
        return found[1], int(found[2])

    def clean_entry(self):
        return self._reference("entry")

    def clean_under(self):
        under = self._reference("under")
        if under is not None and under[0] != "driver":
            raise forms.ValidationError("Ideas have nothing under them.")
        return under

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in {"rename", "up", "down", "remove"} and not cleaned.get("entry"):
            raise forms.ValidationError("Which entry?")
        return cleaned


class OutlineForm(forms.Form):
    outline = forms.CharField(
        label="Write or paste the diagram as an outline",
        max_length=60_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        error_messages={
            "required": "Write at least one primary driver, one on each line.",
            "max_length": "The outline is too long: a diagram can have 300 lines at most.",
        },
    )

    def clean_outline(self):
        try:
            self.lines = outline_parse(self.cleaned_data["outline"])
        except OutlineError as unreadable:
            raise forms.ValidationError(unreadable.problems) from None
        return self.cleaned_data["outline"]


# Between a primary driver and a secondary one under it, when a list names a driver by its path.
PATH = "\u203a"


def _driver_choices(drivers) -> list[tuple[str, str]]:
    """Each driver of a project, a secondary one after its primary, named with its path."""
    primaries = [driver for driver in drivers if driver.parent_id is None]
    texts = {driver.pk: driver.text for driver in primaries}
    choices = []
    for primary in primaries:
        choices.append((str(primary.pk), primary.text))
        choices.extend(
            (str(driver.pk), f"{texts[primary.pk]} {PATH} {driver.text}")
            for driver in drivers
            if driver.parent_id == primary.pk
        )
    return choices


class IdeaForm(forms.ModelForm):
    place = forms.TypedChoiceField(
        label="Where it sits in the driver diagram",
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = ChangeIdea
        fields = ["title", "description"]
        labels = {"title": "The change idea", "description": "What it is and why it may help"}
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, drivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", "Not in the diagram yet"), *_driver_choices(drivers)]
        self.fields["place"].help_text = "Under a secondary driver, or under a primary one."
        if self.instance.pk and not self.is_bound:
            self.initial["place"] = self.instance.driver_id or ""

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Write the change idea.")
        return title

    def save(self, commit=True):
        self.instance.driver_id = self.cleaned_data["place"]
        return super().save(commit=commit)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # A date input reads and writes ISO dates, whatever the language of the page.
        super().__init__(attrs, format="%Y-%m-%d")


class CycleForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label="Adopt, adapt or abandon?",
        choices=[("", "Not decided yet"), *Cycle.Decision.choices],
        widget=forms.RadioSelect,
        required=False,
        help_text="Adopt: keep the change as it is. Adapt: change it and test again. Abandon:"
        " stop testing it.",
    )

    PLAN = ("question", "prediction", "plan")
    DO = ("done", "started_on", "finished_on")
    STUDY = ("study",)
    ACT = ("decision", "next_steps")

    class Meta:
        model = Cycle
        fields = [
            "question",
            "prediction",
            "plan",
            "done",
            "started_on",
            "finished_on",
            "study",
            "decision",
            "next_steps",
        ]
        labels = {
            "question": "What do you want to learn?",
            "prediction": "What do you predict will happen?",
            "plan": "How will you test it?",
            "done": "What was done",
            "started_on": "Started on",
            "finished_on": "Finished on",
            "study": "What happened, against the prediction",
            "next_steps": "The next cycle",
        }
        help_texts = {
            "question": "For example: will a two-minute huddle fit into the handover?",
            "prediction": "And why you think so.",
            "plan": "Who will do what, where and when, and what you will measure.",
            "done": "What you did, and anything that did not go to plan.",
            "study": "Compare what you saw with what you predicted. What did you learn?",
            "next_steps": "What the next cycle will test, or how the change will be kept.",
        }
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "prediction": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 4}),
            "done": forms.Textarea(attrs={"rows": 4}),
            "started_on": DateInput(),
            "finished_on": DateInput(),
            "study": forms.Textarea(attrs={"rows": 4}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "question": {"required": "Write what you want to learn from this cycle."},
            "prediction": {"required": "Write what you predict will happen."},
            "started_on": {"invalid": "Enter a real date for the start of the cycle."},
            "finished_on": {"invalid": "Enter a real date for the end of the cycle."},
        }

    def sections(self):
        """The fields in the four parts of the cycle, for the form's fieldsets."""
        return [
            ("Plan", [self[name] for name in self.PLAN]),
            ("Do", [self[name] for name in self.DO]),
            ("Study", [self[name] for name in self.STUDY]),
            ("Act", [self[name] for name in self.ACT]),
        ]

    def clean(self):
        cleaned = super().clean()
        started, finished = cleaned.get("started_on"), cleaned.get("finished_on")
        if started and finished and finished < started:
            self.add_error("finished_on", "The cycle cannot finish before it started.")
        return cleaned


class AdoptForm(forms.Form):
    place = forms.ChoiceField(label="Which of your projects, and where in its driver diagram")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        groups = []
        for project, drivers in choices:
            # The project in every option: a closed list shows the chosen option alone.
            options = [(f"{project.pk}", f"{project.title}: not in its diagram yet")]
            options.extend(
                (f"{project.pk}:{value}", f"{project.title}: {label}")
                for value, label in _driver_choices(drivers)
            )
            groups.append((project.title, options))
        self.fields["place"].choices = groups
        self.fields["place"].help_text = (
            "The idea is copied into the project, linked to where it came from. You can change"
            " its words and its place later."
        )

    def clean_place(self):
        project, _, driver = self.cleaned_data["place"].partition(":")
        return int(project), int(driver) if driver else None


# --- measures -------------------------------------------------------------------------------

CHART_HINTS = {
    Measure.Chart.RUN: (
        "Each value in time order, with a line through their middle (the median). The place to"
        " start: it needs no statistics, works from a handful of points, and its rules tell a"
        " real change from chance."
    ),
    Measure.Chart.INDIVIDUALS: (
        "One figure for each period, such as days from referral to assessment. Adds upper and"
        " lower limits worked out from how much the figures move from one period to the next:"
        " a point beyond them is unusual."
    ),
    Measure.Chart.P: (
        "A percentage: how many of a group had something, such as patients screened out of"
        " patients admitted. Give both numbers for each period; the limits widen when the group"
        " is small."
    ),
    Measure.Chart.U: (
        "A count of events over an amount that changes, such as falls per 1,000 bed days. Give"
        " the count and the amount for each period."
    ),
    Measure.Chart.C: (
        "A count of events where the chances stay about the same each period, such as"
        " complaints a month on one ward."
    ),
}
RULES_HINTS = {
    Measure.Rules.IHI: (
        "For run charts, as Scottish improvement programmes teach: a shift (6 or more points in"
        " a row on one side of the median), a trend (5 or more going up or going down), or too"
        " few or too many runs."
    ),
    Measure.Rules.ANHOJ: (
        "For run or control charts: a run on one side of the centre line that is unusually"
        " long, or a line that crosses the centre unusually few times, for the number of points."
        " Fewer false alarms on long series."
    ),
    Measure.Rules.MDC: (
        "For control charts, as NHS Making Data Count uses: a point outside the limits, 7 points"
        " in a row on one side of the mean or going one way, or 2 of 3 points close to a limit."
    ),
}
KIND_HINTS = {
    Measure.Kind.OUTCOME: "What the project sets out to improve for people, as its aim says.",
    Measure.Kind.PROCESS: "Whether the changes are being made, and reliably.",
    Measure.Kind.BALANCING: "What might get worse elsewhere because of the changes.",
}
PERIOD_HINTS = {
    Measure.Period.WEEK: "One row for each week, dated by its Monday.",
    Measure.Period.MONTH: "One row for each month.",
    Measure.Period.SAMPLE: "One row for each case or sample, each with its own date.",
}


class HintedRadioSelect(forms.RadioSelect):
    """Radios whose options each carry a sentence saying what they mean."""

    def __init__(self, *args, hints: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.hints = hints

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["hint"] = self.hints.get(value, "")
        return option


class MeasureForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = [
            "title",
            "kind",
            "definition",
            "unit",
            "direction",
            "target",
            "chart",
            "rules",
            "period",
            "baseline",
        ]
        labels = {
            "title": "Name of the measure",
            "kind": "Type of measure",
            "direction": "Which way is better?",
            "chart": "Chart",
            "rules": "Rules for reading the chart",
            "baseline": "Baseline points",
        }
        help_texts = {
            "title": "For example: falls with harm per 1,000 bed days.",
            "target": "The figure the aim sets out to reach, if it has one. For example: 4.5.",
            "baseline": (
                "To hold the centre line (and limits) at what the first points showed before"
                " the changes, give how many points; leave it empty to work them out from all"
                " the points."
            ),
        }
        widgets = {
            "kind": HintedRadioSelect(hints=KIND_HINTS),
            "definition": forms.Textarea(attrs={"rows": 4}),
            "direction": forms.RadioSelect,
            "chart": HintedRadioSelect(hints=CHART_HINTS),
            "rules": HintedRadioSelect(hints=RULES_HINTS),
            "period": HintedRadioSelect(hints=PERIOD_HINTS),
            "target": forms.TextInput(attrs={"inputmode": "decimal"}),
            "baseline": forms.NumberInput(attrs={"min": 2}),
        }
        error_messages = {
            "title": {"required": "Give the measure a name."},
            "definition": {
                "required": "Write the operational definition: exactly what is counted, and how."
            },
            "target": {"invalid": "Write the target as a number, for example 4.5."},
            "baseline": {"invalid": "Write the number of baseline points, for example 12."},
        }

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the measure a name.")
        return title

    def clean_baseline(self):
        baseline = self.cleaned_data.get("baseline")
        if baseline is not None and baseline < 2:
            raise forms.ValidationError(
                "A baseline needs at least 2 points; leave it empty to use them all."
            )
        return baseline

    def clean(self):
        cleaned = super().clean()
        self._keep_figures_readable(cleaned)
        chart, rules = cleaned.get("chart"), cleaned.get("rules")
        if chart and rules and rules not in RULES_FOR_CHART[chart]:
            names = " or ".join(
                Measure.Rules(choice).label.split(" (")[0] for choice in RULES_FOR_CHART[chart]
            )
            kind = "a run chart" if chart == Measure.Chart.RUN else "a control chart"
            self.add_error(
                "rules",
                f"{Measure.Rules(rules).label.split(' (')[0]} are not for {kind}: choose {names}.",
            )
        return cleaned

    def _keep_figures_readable(self, cleaned):
        """A measure with figures keeps the kind of figures it has: values cannot become
        numerators and denominators, nor months weeks."""
        before = self.instance
        if not before.pk:
            return
        chart, period = cleaned.get("chart"), cleaned.get("period")
        ratio_changes = chart and (chart in RATIO_CHARTS) != (before.chart in RATIO_CHARTS)
        period_changes = period and period != before.period
        if not (ratio_changes or period_changes) or not before.samples.exists():
            return
        if ratio_changes:
            held = "numerators and denominators" if before.chart in RATIO_CHARTS else "values"
            self.add_error(
                "chart",
                f"The figures of this measure are {held}, which a"
                f" {Measure.Chart(chart).label.split(':')[0]} cannot read: add a new measure"
                " for it.",
            )
        if period_changes:
            self.add_error(
                "period",
                f"The figures of this measure are by {before.get_period_display().lower()}:"
                " to count them another way, add a new measure.",
            )


class SampleRowForm(forms.Form):
    """One row of the figures table. Its text is read and checked by projects.measures, with
    the uploads' rules, so that a row typed and a row uploaded are held to the same."""

    sample = forms.IntegerField(required=False, widget=forms.HiddenInput)
    period = forms.CharField(required=False)
    value = forms.CharField(required=False)
    numerator = forms.CharField(required=False)
    denominator = forms.CharField(required=False)
    note = forms.CharField(required=False)
    remove = forms.BooleanField(required=False)


SampleRowFormSet = forms.formset_factory(SampleRowForm, extra=0, max_num=500, validate_max=True)


class FiguresUploadForm(forms.Form):
    file = forms.FileField(
        label="A CSV file of figures",
        error_messages={
            "required": "Choose a CSV file to upload.",
            "empty": "The file is empty.",
            "invalid": "Choose a CSV file to upload.",
        },
    )


class PhaseForm(forms.Form):
    starts_on = forms.DateField(
        label="The new phase starts on",
        help_text=(
            "The first day of the week, month or sample it starts with. For example, 1 4 2026."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the date the new phase starts.",
            "invalid": "Give a real date, for example 1/4/2026.",
        },
    )
    label = forms.CharField(
        label="After which change?",
        max_length=200,
        required=False,
        help_text="For example: the falls huddle started on both wards.",
    )


class BaselineForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["baseline"]
        labels = {"baseline": "Baseline points"}
        help_texts = {"baseline": MeasureForm.Meta.help_texts["baseline"]}
        widgets = {"baseline": forms.NumberInput(attrs={"min": 2})}
        error_messages = {
            "baseline": {"invalid": "Write the number of baseline points, for example 12."}
        }

    clean_baseline = MeasureForm.clean_baseline
