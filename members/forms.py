from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

EMAIL_LABEL = "E-mail address"


class SignupForm(AllauthSignupForm):
    name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="As colleagues know you, for example Morag Campbell.",
        error_messages={"required": "Enter your full name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["name", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = EMAIL_LABEL
        self.fields["email"].help_text = "The address you use at work. We will send a link to it."
        self.fields["email"].error_messages["required"] = "Enter your e-mail address."
        self.fields["password1"].error_messages["required"] = "Choose a password."
        self.fields["password2"].label = "Password again"
        self.fields["password2"].error_messages["required"] = "Enter the same password again."

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter your full name.")
        return name

    def save(self, request):
        user = super().save(request)
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])
        return user


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = EMAIL_LABEL
        self.fields["login"].error_messages["required"] = "Enter your e-mail address."
        self.fields["password"].error_messages["required"] = "Enter your password."
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = EMAIL_LABEL
        self.fields["email"].error_messages["required"] = "Enter your e-mail address."
