from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.html import format_html

from resources import services
from resources.models import Bulletin, BulletinSection, Resource

MARKDOWN_HINT = "You can use Markdown: **bold**, *italic*, lists and links."


class ResourceForm(forms.ModelForm):
    upload = forms.FileField(
        label="File",
        required=False,
        help_text=(
            f"A PDF, Word, Excel, PowerPoint or OpenDocument file, or a PNG or JPEG image, "
            f"smaller than {settings.RESOURCE_MAX_UPLOAD_MB} MB. Or give a web address below."
        ),
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.png,.jpg,.jpeg"}
        ),
    )
    remove_file = forms.BooleanField(label="Remove the file", required=False)

    class Meta:
        model = Resource
        fields = [
            "title",
            "kind",
            "summary",
            "upload",
            "remove_file",
            "link",
            "topics",
            "organisation",
            "author",
            "published_on",
            "audience",
            "status",
            "featured",
        ]
        labels = {
            "kind": "Type",
            "link": "Web address",
            "audience": "Who can see it",
            "featured": "Feature it on the home page and at the top of the library",
            "published_on": "Publication date",
        }
        help_texts = {
            "summary": f"What it is and who it helps. {MARKDOWN_HINT}",
            "link": "For a recording, a web page or a document kept elsewhere.",
            "organisation": "The organisation it comes from, if it is one of the network's.",
            "published_on": "When it was first published. Leave empty for today.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "topics": forms.CheckboxSelectMultiple,
            "audience": forms.RadioSelect,
            "status": forms.RadioSelect,
            "published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {
            "title": {"required": "Enter a title."},
            "kind": {"required": "Choose the type of resource."},
            "summary": {"required": "Enter a summary: what it is and who it helps."},
            "link": {"invalid": "Enter a web address starting with https://"},
            "published_on": {"invalid": "Enter a real date, for example 31/3/2026."},
        }

    def __init__(self, *args, curator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].empty_label = "None of these"
        self.fields["kind"].choices = [("", "Choose a type"), *Resource.Kind.choices]
        if not curator:
            # Members suggest; curators decide what is published and featured.
            del self.fields["status"]
            del self.fields["featured"]
        if not self.instance.file:
            del self.fields["remove_file"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            services.file_check(upload)
        return upload

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Enter a title.")
        return title

    def clean_published_on(self):
        published_on = self.cleaned_data.get("published_on")
        if published_on and published_on > timezone.localdate():
            raise forms.ValidationError("The publication date cannot be in the future.")
        return published_on

    def clean(self):
        cleaned = super().clean()
        keeps_file = self.instance.file and not cleaned.get("remove_file")
        if not ({"upload", "link"} & set(self.errors)) and not (
            cleaned.get("upload") or keeps_file or cleaned.get("link")
        ):
            self.add_error("upload", "Upload a file or give a web address below.")
        if self.errors and cleaned.get("upload") and "upload" not in self.errors:
            # Browsers never send a file twice: say so, or it is silently lost.
            # The bound field is the one the page renders (it copied the help text when made).
            # Help texts are shown as HTML, and the file's name is the member's own text.
            self["upload"].help_text = format_html(
                "Choose your file “{}” again before saving. {}",
                cleaned["upload"].name,
                self.fields["upload"].help_text,
            )
        if cleaned.get("featured") and cleaned.get("status") != Resource.Status.PUBLISHED:
            self.add_error("featured", "Only a published resource can be featured.")
        return cleaned


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label="How useful was it?",
        coerce=int,
        choices=[(5, "5: very useful"), (4, "4"), (3, "3"), (2, "2"), (1, "1: not useful")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a number from 1 to 5.",
            "invalid_choice": "Choose a number from 1 to 5.",
        },
    )


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
