from django import forms
from django.utils import timezone

from communities.models import Community
from members.models import Organisation
from projects.models import Project, TeamMember


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
