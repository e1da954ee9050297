from allauth.account.forms import ConfirmLoginCodeForm as AllauthConfirmLoginCodeForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.utils.http import url_has_allowed_host_and_scheme

from members import sso
from members.models import Profile, Region, Sector
from members.services import photo_prepare, profile_for, profile_index, profile_update

EMAIL_LABEL = "E-mail address"


class JoiningFields(forms.Form):
    """What every way of joining asks: the name colleagues know, and the eBulletin."""

    name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="As colleagues know you, for example Morag Campbell.",
        error_messages={"required": "Enter your full name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    receives_bulletin = forms.BooleanField(
        label="Send me the network's eBulletin",
        required=False,
        help_text="News, resources and events, about once a month. You can stop it at any time.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Opt-in unless the network's admin decided new members are subscribed (settings).
        self.fields["receives_bulletin"].initial = settings.BULLETIN_SUBSCRIBE_NEW_MEMBERS

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter your full name.")
        return name


class SignupForm(JoiningFields, AllauthSignupForm):
    field_order = ["name", "email", "password1", "password2", "receives_bulletin"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = EMAIL_LABEL
        self.fields["email"].help_text = "The address you use at work. We will send a link to it."
        self.fields["email"].error_messages["required"] = "Enter your e-mail address."
        self.fields["password1"].error_messages["required"] = "Choose a password."
        self.fields["password2"].label = "Password again"
        self.fields["password2"].error_messages["required"] = "Enter the same password again."

    def clean_email(self):
        # Longer addresses cannot be delivered (RFC 5321); refuse rather than store a cut one.
        if len(self.data.get("email", "").strip()) > 254:
            raise forms.ValidationError("An e-mail address can be at most 254 characters.")
        return super().clean_email()

    def save(self, request):
        user = super().save(request)
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])
        profile = profile_for(user)
        if self.cleaned_data.get("receives_bulletin"):
            profile.receives_bulletin = True
            profile.save(update_fields=["receives_bulletin"])
        profile_index(profile)
        return user


class OrganisationSignInForm(forms.Form):
    """Which organisation's provider to go to: the one for a work address, or one chosen."""

    # The address or a choice from the list: neither is marked optional.
    optional_is_implied = True

    email = forms.EmailField(
        label="Your work e-mail address",
        required=False,
        max_length=254,
        help_text="The address your organisation gave you. It tells us where to send you.",
        error_messages={"invalid": "Enter an e-mail address, like name@example.nhs.scot."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    provider = forms.CharField(required=False, widget=forms.HiddenInput)
    process = forms.ChoiceField(
        choices=[("login", "login"), ("connect", "connect")],
        required=False,
        widget=forms.HiddenInput,
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, apps, request, **kwargs):
        self.apps, self.request = apps, request
        kwargs.setdefault("auto_id", "organisation_%s")
        super().__init__(*args, **kwargs)

    def clean_process(self):
        return self.cleaned_data.get("process") or "login"

    def clean_next(self):
        target = self.cleaned_data.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return target if safe else ""

    def clean(self):
        cleaned = super().clean()
        chosen, email = cleaned.get("provider"), cleaned.get("email")
        if chosen:
            app = next((app for app in self.apps if sso.provider_id(app) == chosen), None)
            if app is None:
                raise forms.ValidationError("Choose one of the organisations listed.")
        elif email:
            app = sso.provider_for_address(email=email, apps=self.apps)
            if app is None:
                self.add_error(
                    "email",
                    f"No organisation's sign-in is set up for addresses ending "
                    f"@{sso.address_domain(email)}. Sign in with your e-mail address and "
                    "password, or choose your organisation from the list.",
                )
                return cleaned
        else:
            if "email" not in self.errors:
                self.add_error(
                    "email",
                    "Enter your work e-mail address, or choose your organisation from the list.",
                )
            return cleaned
        cleaned["app"] = app
        return cleaned


class OrganisationSignupForm(JoiningFields, AllauthSocialSignupForm):
    """The first sign-in with an organisation's account: the address is the provider's, and the
    member confirms their name and privacy choices before the account is made."""

    visibility = forms.ChoiceField(
        label="Who can see my profile",
        choices=Profile.Visibility.choices,
        initial=Profile._meta.get_field("visibility").default,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who can see your profile."},
    )
    email_visibility = forms.ChoiceField(
        label="Who can see my e-mail address",
        choices=Profile.EmailVisibility.choices,
        initial=Profile._meta.get_field("email_visibility").default,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who can see your e-mail address."},
    )
    field_order = ["name", "email", "visibility", "email_visibility", "receives_bulletin"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = EMAIL_LABEL
        email.help_text = "From your organisation's account."
        # The address the provider vouched for; typed in, it would be anyone's.
        email.disabled = True

    def save(self, request):
        user = super().save(request)
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])
        profile = profile_for(user)
        profile.visibility = self.cleaned_data["visibility"]
        profile.email_visibility = self.cleaned_data["email_visibility"]
        profile.receives_bulletin = self.cleaned_data.get("receives_bulletin", False)
        profile.save(update_fields=["visibility", "email_visibility", "receives_bulletin"])
        sso.profile_prefill(
            profile=profile,
            claims=sso.claims_of(self.sociallogin.account),
            app=self.sociallogin.provider.app,
        )
        profile_index(profile)
        return user


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = EMAIL_LABEL
        self.fields["login"].error_messages["required"] = "Enter your e-mail address."
        self.fields["password"].error_messages["required"] = "Enter your password."
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class PasswordAgainForm(AllauthReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages["required"] = "Enter your password."


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = EMAIL_LABEL
        self.fields["email"].error_messages["required"] = "Enter your e-mail address."


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = EMAIL_LABEL
        self.fields["email"].help_text = "The address you joined with."
        self.fields["email"].error_messages["required"] = "Enter your e-mail address."

    def clean_email(self):
        try:
            return super().clean_email()
        except forms.ValidationError as error:
            # Codes asked for too often (allauth counts them per address, account or not):
            # the message for wrong passwords would send the member round in a circle.
            if error.code != "too_many_login_attempts":
                raise
            raise forms.ValidationError(
                "Codes for this address were asked for several times in the last minute. Use "
                "the latest one, or wait a minute and ask again.",
                code="too_many_codes",
            ) from None


class ConfirmLoginCodeForm(AllauthConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Sign-in code"
        code.help_text = "The 8 letters in the e-mail, for example BCDF-GHJK."
        code.error_messages["required"] = "Enter the code from the e-mail."
        code.widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})


def _code_from_the_app(field, *, help_text: str) -> None:
    field.label = "Code from your authenticator app"
    field.help_text = help_text
    field.error_messages["required"] = "Enter the code your authenticator app shows."
    field.widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})


class SecondFactorForm(AuthenticateForm):
    """The second step of signing in, once a member has an authenticator."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_from_the_app(
            self.fields["code"],
            help_text="The 6 digits it shows for the network now. Lost your phone? Enter one "
            "of your recovery codes instead.",
        )


class SecondFactorAgainForm(ReauthenticateForm):
    """Confirming it is still the member before a change to their second factor."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_from_the_app(
            self.fields["code"],
            help_text="The 6 digits it shows for the network now, or one of your recovery codes.",
        )


class ActivateAuthenticatorForm(ActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _code_from_the_app(
            self.fields["code"],
            help_text="Once the app shows the network, the 6 digits it shows now.",
        )


KEY_NAME_HINT = "So you can tell your keys apart, for example Blue key or Work laptop."


def _key_name(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label="A name for the key",
        help_text=KEY_NAME_HINT,
        max_length=50,
        required=required,
        error_messages={"required": "Enter a name for the key."},
    )


class AddSecurityKeyForm(AddWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Optional: the key is added first, and a name made up for it if none is given.
        self.fields["name"] = _key_name(required=False)
        self.fields["credential"].error_messages["required"] = (
            "The key did not answer. Press Add the key and touch your key, or unlock your "
            "device, when the browser asks."
        )


class RenameSecurityKeyForm(EditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"] = _key_name(required=True)


class LinesField(forms.CharField):
    """One entry per line in a textarea, cleaned to a list."""

    def __init__(self, *, max_items: int, item_max_length: int, **kwargs):
        self.max_items, self.item_max_length = max_items, item_max_length
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        lines = [" ".join(line.split()) for line in (value or "").splitlines()]
        return [line for line in lines if line]

    def validate(self, value):
        # The null-character check Django gives every text field sees a list here, not the text.
        if any("\x00" in line for line in value):
            raise forms.ValidationError("Null characters are not allowed.", code="null_characters")
        if len(value) > self.max_items:
            raise forms.ValidationError(f"Enter at most {self.max_items}, one on each line.")
        for line in value:
            if len(line) > self.item_max_length:
                raise forms.ValidationError(
                    f"“{line[:30]}…” is too long: keep each to {self.item_max_length} characters."
                )


class ProfileForm(forms.ModelForm):
    name = forms.CharField(
        label="Display name",
        max_length=150,
        help_text="The name other members see.",
        error_messages={"required": "Enter the name other members should see."},
    )
    expertise_tags = LinesField(
        label="Other expertise",
        max_items=10,
        item_max_length=60,
        help_text="Anything not in the list above, one on each line.",
    )
    links = LinesField(
        label="Links",
        max_items=5,
        item_max_length=300,
        help_text="Up to 5 web addresses, one on each line, such as a blog or a case study.",
    )
    photo = forms.FileField(
        label="Photo",
        required=False,
        help_text="A JPEG, PNG, WebP or GIF image, smaller than 5 MB.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_photo = forms.BooleanField(label="Remove my photo", required=False)

    class Meta:
        model = Profile
        fields = [
            "name",
            "job_title",
            "organisation",
            "sector",
            "region",
            "locality",
            "bio",
            "expertise",
            "expertise_tags",
            "interests",
            "links",
            "open_to_mentoring",
            "looking_for_mentor",
        ]
        labels = {
            "bio": "About me",
            "expertise": "Areas of expertise",
            "interests": "Interests",
            "open_to_mentoring": "I am open to mentoring someone",
            "looking_for_mentor": "I am looking for a mentor",
        }
        help_texts = {
            "bio": "A few sentences about your work and what you would like to hear about. "
            "You can use Markdown: **bold**, *italic*, lists and links.",
            "expertise": "What colleagues could ask you about.",
            "interests": "Topics you would like to learn more about.",
            "organisation": "If yours is missing, choose the closest and tell a coordinator.",
        }
        widgets = {
            "expertise": forms.CheckboxSelectMultiple,
            "interests": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].initial = self.instance.member.name
        self.fields["organisation"].empty_label = "Choose your organisation"
        self.fields["sector"].choices = [("", "Choose your sector"), *Sector.choices]
        self.fields["region"].choices = [("", "Choose your region"), *Region.choices]
        if not self.instance.photo:
            del self.fields["remove_photo"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter the name other members should see.")
        return name

    def clean_links(self):
        validate = URLValidator(schemes=["http", "https"])
        for link in self.cleaned_data["links"]:
            try:
                validate(link)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"“{link[:40]}” is not a web address: it should start with https://"
                ) from None
        return self.cleaned_data["links"]

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        return photo_prepare(upload)

    def save(self, commit=True):
        profile = super().save(commit=False)
        profile_update(
            profile=profile,
            name=self.cleaned_data["name"],
            photo=self.cleaned_data.get("photo"),
            remove_photo=self.cleaned_data.get("remove_photo", False),
        )
        self.save_m2m()
        profile_index(profile)
        return profile


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = [
            "email_notifications",
            "receives_bulletin",
            "email_visibility",
            "visibility",
            "show_events",
        ]
        labels = {
            "email_notifications": "E-mail me when something needs my attention",
            "receives_bulletin": "Send me the network's eBulletin",
            "email_visibility": "Who can see my e-mail address",
            "visibility": "Who can see my profile",
            "show_events": "Show the events I will attend on my profile",
        }
        widgets = {
            "email_visibility": forms.RadioSelect,
            "visibility": forms.RadioSelect,
        }


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to close your account."},
    )

    def __init__(self, *args, member, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
