import unicodedata

from django import forms
from django.apps import AppConfig
from django.forms.widgets import Input

from base.fields import single_line


def _invisible(text: str) -> bool:
    """Nothing a reader would see: spaces, zero-width spaces, direction marks and other
    format characters (category Cf), which str.strip() leaves."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def _typed_on_one_line(widget) -> bool:
    """A text box of one line (text, e-mail, search, web address…), not a password, which is
    never changed, nor a hidden field, which nobody types in."""
    return isinstance(widget, Input) and not isinstance(
        widget, forms.PasswordInput | forms.HiddenInput | forms.FileInput
    )


class BaseConfig(AppConfig):
    name = "base"
    verbose_name = "Audit and e-mail"

    def ready(self):
        # The outbox's tasks, registered wherever an e-mail may be queued from.
        from base import tasks  # noqa: F401

        # Every form's text field, Django's and allauth's included: a required name made only of
        # invisible characters is "required", like one made of spaces. Text with anything
        # visible in it is left exactly as Django cleans it (a Scottish flag ends in format
        # characters; right-to-left text needs its marks). A box of one line keeps no line
        # break, as a browser's own would not: a request can still send one, and a title with
        # one cannot be an e-mail's subject.
        to_python = forms.CharField.to_python

        def to_python_visible(field, value):
            value = to_python(field, value)
            if not isinstance(value, str) or not value:
                return value
            if field.strip and _invisible(value):
                return field.empty_value
            if _typed_on_one_line(field.widget):
                return single_line(value)
            return value

        forms.CharField.to_python = to_python_visible
