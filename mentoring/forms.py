from django import forms

from members.models import Topic
from mentoring.models import Format, Match, MatchFeedback, Meeting, MentorOffer


class OfferForm(forms.ModelForm):
    class Meta:
        model = MentorOffer
        fields = ["areas", "offer", "capacity", "format", "availability", "paused"]
        labels = {"areas": "Areas you mentor in"}
        help_texts = {
            "capacity": "From 1 to 5.",
            "availability": "For example: an hour a month, weekday afternoons.",
        }
        widgets = {
            "areas": forms.CheckboxSelectMultiple,
            "format": forms.RadioSelect,
            "offer": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "areas": {"required": "Choose at least one area you mentor in."},
            "offer": {"required": "Say what you can offer a mentee."},
        }


class NeedsForm(forms.Form):
    goals = forms.CharField(
        label="What do you want to achieve?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Your mentor reads this first.",
        error_messages={"required": "Say what you want to achieve."},
    )
    areas = forms.ModelMultipleChoiceField(
        label="Areas you want help with",
        queryset=Topic.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one area."},
    )
    other_organisation = forms.BooleanField(
        label="I would like a mentor from a different organisation", required=False, initial=True
    )
    other_sector = forms.BooleanField(
        label="I would like a mentor from a different sector", required=False
    )
    same_region = forms.BooleanField(label="I would like a mentor in my region", required=False)
    format = forms.ChoiceField(
        label="Meeting", choices=Format.choices, initial=Format.EITHER, widget=forms.RadioSelect
    )


CHOICES = ("first", "second", "third")
GONE = {"invalid_choice": "That mentor is not among your suggestions now. Choose again."}


def _chosen_mentor(label: str) -> forms.TypedChoiceField:
    """One of the mentee's three choices, carried in the page between presses."""
    return forms.TypedChoiceField(
        label=label, coerce=int, required=False, widget=forms.HiddenInput, error_messages=GONE
    )


class ChoicesForm(forms.Form):
    """Up to three mentors from the suggestions, in order of preference. The page carries them
    in hidden fields while the member picks from the mentors' cards."""

    first = _chosen_mentor("First choice")
    second = _chosen_mentor("Second choice")
    third = _chosen_mentor("Third choice")

    def __init__(self, *args, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions
        options = [("", "No one")] + [
            (suggestion.offer.mentor_id, suggestion.offer.mentor.display_name)
            for suggestion in suggestions
        ]
        for name in CHOICES:
            self.fields[name].choices = options

    def mentor_ids(self) -> list[int]:
        chosen = [self.cleaned_data.get(name) for name in CHOICES]
        return [mentor_id for mentor_id in chosen if mentor_id]

    def clean(self):
        cleaned = super().clean()
        chosen = self.mentor_ids() if not self.errors else []
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError("Choose a different mentor for each choice.")
        return cleaned

    def changed(self, *, choose: str = "", remove: str = "") -> "ChoicesForm":
        """The choices after one press of a card's button: `choose` is "second:<mentor id>"
        (the mentor moves there from any other place, and whoever was there makes way),
        `remove` a mentor id. A press the page did not offer changes nothing."""
        chosen = {name: self.cleaned_data.get(name) for name in CHOICES}
        offered = {str(suggestion.offer.mentor_id) for suggestion in self.suggestions}
        place, _, mentor = choose.partition(":")
        if place in CHOICES and mentor in offered:
            chosen = _without(chosen, int(mentor))
            chosen[place] = int(mentor)
        elif remove in offered:
            chosen = _without(chosen, int(remove))
        return ChoicesForm(initial=chosen, suggestions=self.suggestions)

    def chosen(self) -> dict[str, int | None]:
        """Each choice's mentor id, as the page shows it."""
        values = self.cleaned_data if self.is_bound and self.is_valid() else self.initial
        return {name: values.get(name) or None for name in CHOICES}


def _without(chosen: dict[str, int | None], mentor_id: int) -> dict[str, int | None]:
    return {name: None if held == mentor_id else held for name, held in chosen.items()}


class AnswerForm(forms.Form):
    message = forms.CharField(
        label="Message to the mentee",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["met_on", "notes"]
        labels = {"met_on": "Date of the meeting", "notes": "Notes (only the two of you see them)"}
        widgets = {
            "met_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "met_on": {
                "required": "Enter the date you met.",
                "invalid": "Enter a date, for example 14/03/2027.",
            }
        }


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = MatchFeedback
        fields = ["helped", "rating", "changed"]
        labels = {"rating": "Overall, how would you rate it? (1 to 5)"}
        widgets = {"rating": forms.RadioSelect, "changed": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"rating": {"required": "Choose a rating from 1 to 5."}}


class CohortForm(forms.Form):
    name = forms.CharField(
        label="Name of the cohort",
        max_length=150,
        error_messages={"required": "Give the cohort a name."},
    )
    mentees = forms.ModelMultipleChoiceField(
        label="Mentees waiting for a cohort",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one mentee."},
    )
    mentors = forms.ModelMultipleChoiceField(
        label="Mentors",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one mentor."},
    )

    def __init__(self, *args, waiting, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentees"].queryset = waiting
        self.fields["mentees"].label_from_instance = lambda request: request.mentee.display_name
        self.fields["mentors"].queryset = offers
        self.fields["mentors"].label_from_instance = lambda offer: (
            f"{offer.mentor.display_name} ({offer.capacity} at once)"
        )


class PlanForm(forms.ModelForm):
    class Meta:
        model = Match
        fields = ["goals", "ends_on"]
        help_texts = {"ends_on": "When you plan to finish, for example in six months."}
        widgets = {
            "goals": forms.Textarea(attrs={"rows": 4}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }
        error_messages = {
            "goals": {"required": "Write the goals you agreed."},
            "ends_on": {"invalid": "Enter a date, for example 14/03/2027."},
        }
