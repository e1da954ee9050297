from django import forms
from django.utils import timezone

from communities.models import Community
from events.models import Event, Feedback, RegistrationQuestion, Series
from events.services import MOST_QUESTIONS
from members.models import Region
from members.roles import is_coordinator

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "kind",
            "title",
            "summary",
            "programme",
            "starts_at",
            "ends_at",
            "format",
            "venue",
            "address",
            "joining_link",
            "community",
            "series",
            "region",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "speakers",
            "tags",
            "visibility",
            "recording_link",
            "slides",
        ]
        help_texts = {
            "starts_at": "UK time.",
            "venue": "For events in person or hybrid.",
            "recording_link": "After the event: shown to signed-in members.",
            "slides": "After the event: a PDF, shown to signed-in members.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "format": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "tags": forms.CheckboxSelectMultiple,
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "registration_opens_at": DATETIME,
            "registration_closes_at": DATETIME,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "programme": forms.Textarea(attrs={"rows": 6}),
            "address": forms.Textarea(attrs={"rows": 3}),
            "speakers": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "title": {"required": "Give the event a title."},
            "starts_at": {
                "required": "Enter when the event starts.",
                "invalid": "Enter a date and time, for example 14/03/2027 10:00.",
            },
            "ends_at": {
                "required": "Enter when the event ends.",
                "invalid": "Enter a date and time, for example 14/03/2027 12:00.",
            },
        }

    def __init__(self, *args, editor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All of Scotland"), *Region.choices]
        _offer_series(self, editor)
        _offer_hosts(self, editor, "event")

    def clean_slides(self):
        slides = self.cleaned_data.get("slides")
        if slides and hasattr(slides, "read"):
            if slides.size > 20 * 1024 * 1024:
                raise forms.ValidationError("The slides must be smaller than 20 MB.")
            head = slides.read(5)
            slides.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError("The slides must be a PDF file.")
        return slides

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The end must be after the start.")
        if starts and not self.instance.pk and starts <= timezone.now():
            self.add_error("starts_at", "The start must be in the future.")
        if starts and closes and closes > starts:
            self.add_error("registration_closes_at", "Registration must close before the start.")
        if starts and opens and opens >= starts:
            self.add_error("registration_opens_at", "Registration must open before the start.")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", "Registration must close after it opens.")
        fmt = cleaned.get("format")
        if fmt in {Event.Format.IN_PERSON, Event.Format.HYBRID} and not cleaned.get("venue"):
            self.add_error("venue", "Enter the venue of an event held in person.")
        if fmt in {Event.Format.ONLINE, Event.Format.HYBRID} and not cleaned.get("joining_link"):
            self.add_error("joining_link", "Enter the joining link of an online event.")
        return cleaned


def _offer_hosts(form: forms.ModelForm, editor, thing: str) -> None:
    """The hosting communities the editor may choose for an event or a series."""
    hosts = Community.objects.hostable_by(editor)
    host = form.instance.community_id
    if host and not hosts.filter(pk=host).exists():
        # An organiser who no longer moderates the host still runs their event: the form
        # keeps a host it may not offer, rather than drop it (or refuse) on the next save.
        del form.fields["community"]
        return
    form.fields["community"].queryset = hosts
    if is_coordinator(editor):
        form.fields["community"].empty_label = "No hosting community"
    else:
        # Moderators run events for their own communities only.
        form.fields["community"].required = True
        form.fields["community"].empty_label = None
        form.fields["community"].error_messages["required"] = (
            f"Choose the community that hosts the {thing}."
        )


def _offer_series(form: forms.ModelForm, editor) -> None:
    """Only the series the editor runs; a series they no longer run stays as it is."""
    runs = Series.objects.run_by(editor)
    series = form.instance.series_id
    if (series and not runs.filter(pk=series).exists()) or not (series or runs.exists()):
        # Nothing to choose (or a choice the editor may not change): no question to ask.
        del form.fields["series"]
        return
    form.fields["series"].queryset = runs.order_by("title")
    form.fields["series"].empty_label = "Not part of a series"


class SeriesForm(forms.ModelForm):
    class Meta:
        model = Series
        fields = ["kind", "title", "summary", "community", "visibility"]
        help_texts = {
            "visibility": "Each session keeps its own setting: a members-only session stays "
            "hidden from visitors in a public series.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 6}),
        }
        error_messages = {
            "kind": {"required": "Choose the type of series."},
            "title": {"required": "Give the series a title."},
            "summary": {"required": "Say what the series is about."},
        }

    def __init__(self, *args, editor, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_hosts(self, editor, "series")


class SeriesRegisterForm(forms.Form):
    """The whole series, or the sessions the member ticks."""

    whole = forms.BooleanField(required=False, widget=forms.HiddenInput)
    sessions = forms.ModelMultipleChoiceField(
        label="Choose sessions",
        help_text="Select all that apply.",
        queryset=Event.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose from the sessions of this series.",
            "invalid_pk_value": "Choose from the sessions of this series.",
        },
    )

    def __init__(self, *args, sessions, upcoming, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].queryset = sessions
        self.upcoming = upcoming

    def chosen(self) -> list[Event]:
        if self.cleaned_data["whole"]:
            return list(self.upcoming)
        return list(self.cleaned_data["sessions"])

    def clean(self):
        cleaned = super().clean()
        if "sessions" in self.errors:
            return cleaned
        if cleaned.get("whole"):
            if not self.upcoming.exists():
                self.add_error(None, "There are no sessions of this series left to register for.")
        elif not cleaned.get("sessions"):
            self.add_error(
                "sessions", "Choose at least one session, or register for the whole series."
            )
        return cleaned


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ["rating", "useful", "change"]
        labels = {"rating": "Overall, how useful was the event? (1 not at all, 5 very)"}
        widgets = {
            "rating": forms.RadioSelect,
            "useful": forms.Textarea(attrs={"rows": 3}),
            "change": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {"rating": {"required": "Choose a rating from 1 to 5."}}


class MessageForm(forms.Form):
    message = forms.CharField(
        label="Message to everyone with a place",
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the message to send."},
    )


class CancelEventForm(forms.Form):
    message = forms.CharField(
        label="Why is the event cancelled?",
        help_text="Everyone with a place or on the waiting list is e-mailed this, and it is shown "
        "on the event's page.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say why the event is cancelled."},
    )


class AddAttendeeForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address of the member to add",
        error_messages={"required": "Enter the member's e-mail address."},
    )


class QuestionForm(forms.ModelForm):
    class Meta:
        model = RegistrationQuestion
        fields = ["text", "kind", "choices", "required"]
        labels = {"required": "Members must answer it"}
        help_texts = {
            "text": "For example: Which workshop would you like to join?",
            "choices": "Only for a choice: one on each line, two or more.",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "choices": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "text": {"required": "Write the question."},
            "kind": {"required": "Choose the type of answer."},
        }

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["kind"].choices = RegistrationQuestion.Kind.choices
        if self.instance.pk is None:
            self.initial.setdefault("kind", RegistrationQuestion.Kind.SHORT_TEXT)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == RegistrationQuestion.Kind.CHOICE:
            choices = [line.strip() for line in cleaned.get("choices", "").splitlines()]
            choices = [choice for choice in choices if choice]
            if len(choices) < 2:
                self.add_error("choices", "Enter at least two choices, one on each line.")
            elif any(len(choice) > 200 for choice in choices):
                self.add_error("choices", "Keep each choice under 200 characters.")
            elif len(set(choices)) < len(choices):
                self.add_error("choices", "Give each choice only once.")
            cleaned["choices"] = "\n".join(choices)
        elif kind:
            cleaned["choices"] = ""
        if self.instance.pk is None:
            if RegistrationQuestion.objects.filter(event=self.event).count() >= MOST_QUESTIONS:
                raise forms.ValidationError(
                    f"An event can ask at most {MOST_QUESTIONS} questions: remove one first."
                )
        elif {"kind", "text"} & set(self.changed_data) and self.instance.answers.exists():
            # An answer means what it answered: "Yes" to "Do you need a wheelchair space?" is
            # not a "Yes" to "Are you vegetarian?", nor to a choice of workshops.
            for field, what in (("kind", "type"), ("text", "wording")):
                if field in self.changed_data:
                    self.add_error(
                        field,
                        f"Members have answered this question already, so its {what} cannot "
                        "change. Add a new question instead.",
                    )
        return cleaned


def _answer_field(question: RegistrationQuestion) -> forms.Field:
    if question.kind == RegistrationQuestion.Kind.SHORT_TEXT:
        return forms.CharField(
            label=question.text,
            required=question.required,
            max_length=500,
            error_messages={
                "required": f"Enter your answer to “{question.text}”.",
                "max_length": "Keep your answer under 500 characters.",
            },
        )
    return forms.ChoiceField(
        label=question.text,
        required=question.required,
        choices=[(choice, choice) for choice in question.choice_list],
        widget=forms.RadioSelect,
        error_messages={
            "required": f"Choose your answer to “{question.text}”.",
            "invalid_choice": f"Choose one of the answers offered to “{question.text}”.",
        },
    )


class AnswersForm(forms.Form):
    """The event's questions, as the member registering answers them."""

    def __init__(self, *args, questions, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        answers = answers or {}
        for question in questions:
            name = f"question-{question.pk}"
            self.fields[name] = _answer_field(question)
            self.initial[name] = answers.get(question.pk, "")

    def answers(self) -> dict[int, str]:
        return {
            int(name.removeprefix("question-")): value or ""
            for name, value in self.cleaned_data.items()
        }
