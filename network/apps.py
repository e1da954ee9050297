import unicodedata

from django.apps import AppConfig
from django.forms import CharField


def _strip_invisible(text: str) -> str:
    """Trim what str.strip() leaves: zero-width spaces, direction marks and other format
    characters (category Cf), which would make a name or title that looks empty."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) == "Cf"):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) == "Cf"):
        end -= 1
    return text[start:end]


class NetworkConfig(AppConfig):
    name = "network"

    def ready(self):
        # Every form's text field, Django's and allauth's included, so that a required name made
        # only of invisible characters is "required", like one made of spaces.
        to_python = CharField.to_python

        def to_python_visible(field, value):
            value = to_python(field, value)
            if field.strip and isinstance(value, str):
                value = _strip_invisible(value)
                return value if value else field.empty_value
            return value

        CharField.to_python = to_python_visible
