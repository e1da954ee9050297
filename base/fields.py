"""Single-line text: titles, names, headings and places never keep a line break.

A title is copied into e-mail subjects, calendar files and CSV rows, where a line break either
breaks the message (Django refuses a header with one) or splits a row. Browsers never put one in
a single-line input, but a request can. Every form's single-line input drops them
(network/apps.py), and SingleLineCharField drops them again whenever a value goes to the
database (save, create, update), whoever writes it.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, models, transaction
from django.db.models import Q

# What str.splitlines() splits on: line feed, carriage return, vertical tab, form feed, the file,
# group and record separators, next line, and the Unicode line and paragraph separators.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK = re.compile(f"[{LINE_BREAKS}]")
_BREAKS_AND_SPACES_AROUND = re.compile(rf"\s*[{LINE_BREAKS}]\s*")
# The same characters in PostgreSQL's own escapes.
_POSTGRES_BREAK = r"[\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029]"


def single_line(text):
    """The text with each line break (and the spaces around it) turned into one space."""
    if not isinstance(text, str) or not _BREAK.search(text):
        return text
    return _BREAKS_AND_SPACES_AROUND.sub(" ", text).strip()


class SingleLineCharField(models.CharField):
    """A CharField for text a member types on one line."""

    def to_python(self, value):
        return single_line(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = single_line(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value


def collapse_stored_line_breaks(app_label: str, model_name: str, *field_names: str):
    """A migration step that mends rows saved before their fields were single-line.

    A unique name that, mended, would equal another's gets its row number after it, so the
    migration cannot fail on it.
    """

    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        broken = Q()
        for name in field_names:
            broken |= Q(**{f"{name}__regex": _POSTGRES_BREAK})
        for row in model.objects.filter(broken).only("pk", *field_names).iterator():
            for name in field_names:
                setattr(row, name, single_line(getattr(row, name)))
            try:
                with transaction.atomic():
                    row.save(update_fields=field_names)
            except IntegrityError:
                suffix = f" ({row.pk})"
                for name in field_names:
                    field = model._meta.get_field(name)
                    if field.unique:
                        kept = getattr(row, name)[: field.max_length - len(suffix)]
                        setattr(row, name, kept + suffix)
                row.save(update_fields=field_names)

    return forwards
