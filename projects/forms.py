import re

from django import forms
from django.utils import timezone

from communities.models import Community
from members.models import Organisation
from projects.diagrams import OutlineError, outline_parse
from projects.models import ChangeIdea, Cycle, Project, TeamMember


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
