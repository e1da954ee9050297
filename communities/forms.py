from django import forms

from communities.models import Community, Membership, Post, Thread
from members.models import Region


class CommunityForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "purpose", "topics", "level", "region", "privacy"]
        labels = {"name": "Name of the community", "topics": "Topics"}
        help_texts = {
            "purpose": "Written with the community: who it is for, what it wants to change, and "
            "how members help each other. You can use Markdown.",
            "region": "Leave empty if the community works across Scotland.",
            "privacy": "Closed communities are listed, but only members read their discussions. "
            "Secret ones are seen only by their members.",
        }
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 6}),
            "topics": forms.CheckboxSelectMultiple,
            "level": forms.RadioSelect,
            "privacy": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All of Scotland"), *Region.choices]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the community a name.")
        return name

    def clean_purpose(self):
        purpose = self.cleaned_data["purpose"].strip()
        if len(purpose) < 20:
            raise forms.ValidationError(
                "Write the purpose in at least a sentence: members decide whether to join by it."
            )
        return purpose


class JoinRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why would you like to join?",
        max_length=1000,
        help_text="A sentence is enough. The moderators read it before they decide.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say in a sentence why you would like to join."},
    )


class DecisionForm(forms.Form):
    message = forms.CharField(
        label="Message to the member",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="The invitation works for this address only, for 14 days.",
        error_messages={"required": "Enter the e-mail address to invite."},
    )


class ThreadForm(forms.ModelForm):
    body = forms.CharField(
        label="Your message",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="You can use Markdown. Mention a member with @ and the last part of their "
        "profile address, for example @morag-campbell.",
        error_messages={"required": "Write something before you post."},
    )

    class Meta:
        model = Thread
        fields = ["title"]
        error_messages = {"title": {"required": "Give the thread a title."}}

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write something before you post.")
        return body


class ReplyForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["body"]
        labels = {"body": "Your reply"}
        help_texts = {
            "body": "You can use Markdown, and mention a member with @their-profile-name."
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        error_messages = {"body": {"required": "Write something before you post."}}

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write something before you post.")
        return body


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this post?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what is wrong with this post."},
    )


class DigestForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["digest"]
        labels = {"digest": "E-mails from this community"}
        widgets = {"digest": forms.RadioSelect}
