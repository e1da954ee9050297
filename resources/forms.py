from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from resources.models import Resource
from resources.uploads import file_check

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
            file_check(upload)
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
