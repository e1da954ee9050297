from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone

from bulletins import audiences, services
from bulletins.models import Bulletin, BulletinSection
from members.models import Organisation, Region, Sector, Topic
from resources.forms import MARKDOWN_HINT


class BulletinForm(forms.ModelForm):
    class Meta:
        model = Bulletin
        fields = ["title", "introduction"]
        help_texts = {
            "title": "Also the e-mail's subject, for example “eBulletin: December 2026”.",
            "introduction": f"A few words from the network to open the bulletin. {MARKDOWN_HINT}",
        }
        widgets = {"introduction": forms.Textarea(attrs={"rows": 8})}
        error_messages = {"title": {"required": "Enter a title."}}


def _checkboxes(label: str, choices, hint: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        help_text=hint,
        widget=forms.CheckboxSelectMultiple,
    )


class AudienceForm(forms.ModelForm):
    """Who the bulletin goes to. Within one kind any value chosen; across kinds all of them."""

    # Every kind may be left empty, and the page says what that means, once.
    optional_is_implied = True

    audience_regions = _checkboxes(
        "Regions", Region.choices, "Members whose profile gives one of these regions."
    )
    audience_organisation_kinds = _checkboxes(
        "Types of organisation",
        Organisation.Kind.choices,
        "Members whose organisation is one of these types.",
    )
    audience_sectors = _checkboxes(
        "Sectors", Sector.choices, "Members whose profile gives one of these sectors."
    )

    class Meta:
        model = Bulletin
        fields = [
            "audience_regions",
            "audience_organisation_kinds",
            "audience_sectors",
            "audience_communities",
            "audience_interests",
        ]
        labels = {
            "audience_communities": "Members of these communities",
            "audience_interests": "Interests",
        }
        help_texts = {
            "audience_communities": "Members who belong to one of these communities.",
            "audience_interests": "Members who gave one of these as an interest.",
        }
        widgets = {
            "audience_communities": forms.CheckboxSelectMultiple,
            "audience_interests": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, curator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_communities"].queryset = audiences.community_choices(
            curator=curator, bulletin=self.instance
        )
        self.fields["audience_communities"].label_from_instance = lambda community: (
            f"{community.name}{' (secret)' if community.privacy == 'secret' else ''}"
        )
        self.fields["audience_interests"].queryset = Topic.objects.order_by("name")


class SectionForm(forms.ModelForm):
    class Meta:
        model = BulletinSection
        fields = [
            "heading",
            "text",
            "resources",
            "events",
            "communities",
            "members_only",
            "position",
        ]
        labels = {
            "text": "Text",
            "resources": "Resources from the library",
            "events": "Upcoming events",
            "communities": "Community highlights",
            "position": "Place in the bulletin",
        }
        help_texts = {
            "text": f"Free text for this section. {MARKDOWN_HINT}",
            "position": "Sections appear in this order: 1 first.",
        }
        error_messages = {
            "heading": {"required": "Enter a heading for the section."},
            "position": {"min_value": "Enter 1 or more."},
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 5}),
            "resources": forms.CheckboxSelectMultiple,
            "events": forms.CheckboxSelectMultiple,
            "communities": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in services.section_choices().items():
            self.fields[name].queryset = choices
        self.fields["position"].validators.append(MinValueValidator(1))
        # What curators need to choose: when an event is, and what visitors will not see.
        self.fields["resources"].label_from_instance = lambda resource: (
            f"{resource.title}{' (members only)' if resource.audience == 'members' else ''}"
        )
        self.fields["events"].label_from_instance = lambda event: (
            f"{event.title}, {timezone.localtime(event.starts_at):%-d %B %Y}"
            f"{' (members only)' if event.visibility == 'members' else ''}"
        )
        self.fields["communities"].label_from_instance = lambda community: (
            f"{community.name}{' (members only)' if community.privacy != 'open' else ''}"
        )

    def clean(self):
        cleaned = super().clean()
        if (
            not any(cleaned.get(name) for name in ("text", "resources", "events", "communities"))
            and not self.errors
        ):
            self.add_error("text", "Write some text or pick something to show in this section.")
        return cleaned


class LocalDateTimeField(forms.DateTimeField):
    """A UK date and time; the hour that happens twice, or not at all, when the clocks change
    gets a plain message rather than Django's technical one."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code == "ambiguous_timezone":
                raise forms.ValidationError(
                    "The clocks change at that time, so it happens twice or not at all: "
                    "choose another time.",
                    code="ambiguous_timezone",
                ) from None
            raise


class SendForm(forms.Form):
    # The date is asked for only when "later" is chosen; the clean() below says so if missing.
    optional_is_implied = True

    when = forms.ChoiceField(
        label="When should it go?",
        choices=[("now", "Send it now"), ("later", "Send it later")],
        widget=forms.RadioSelect,
        # No default: sending to every member should be a choice, never a slip.
        error_messages={"required": "Choose when to send it."},
    )
    send_at = LocalDateTimeField(
        label="If later: the date and time to send it (UK time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter a real date and time, for example 1/12/2026 09:00."},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "now" and (cleaned.get("send_at") or "send_at" in self.errors):
            self.add_error(
                "when",
                "You chose to send it now but also gave a date: choose “Send it later”, "
                "or clear the date.",
            )
        if cleaned.get("when") == "later" and "send_at" not in self.errors:
            send_at = cleaned.get("send_at")
            if send_at is None:
                self.add_error("send_at", "Enter when to send it.")
            elif send_at <= timezone.now():
                self.add_error("send_at", "Choose a time in the future.")
        return cleaned
