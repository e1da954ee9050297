import unicodedata

from django.apps import AppConfig
from django.forms import CharField


def _invisible(text: str) -> bool:
    """Nothing a reader would see: spaces, zero-width spaces, direction marks and other
    format characters (category Cf), which str.strip() leaves."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Audit"

    def ready(self):
        # Every form's text field, Django's and allauth's included: a required name made only of
        # invisible characters is "required", like one made of spaces. Text with anything
        # visible in it is left exactly as Django cleans it (a Scottish flag ends in format
        # characters; right-to-left text needs its marks).
        to_python = CharField.to_python

        def to_python_visible(field, value):
            value = to_python(field, value)
            if field.strip and isinstance(value, str) and value and _invisible(value):
                return field.empty_value
            return value

        CharField.to_python = to_python_visible

        from members import hooks
        from network.search import words_forget

        # The words search corrects slips to may hold a member's old name and words.
        hooks.register_eraser(words_forget)
        hooks.register_renamer(words_forget)
