"""One way to render every form: Scottish Government Design System fields and an error summary."""

import html
import re
from types import MethodType

import django_filters
from django import forms
from django.forms import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

# The design system's class for each kind of widget (BoundField.widget_type).
WIDGET_CLASSES = {
    "checkbox": "ds_checkbox__input",
    "clearablefile": "ds_file-upload__input",
    "file": "ds_file-upload__input",
    "select": "ds_select",
    "nullbooleanselect": "ds_select",
    "selectmultiple": "ds_select",
    "checkboxselectmultiple": "",
    "radioselect": "",
}
ERROR_CLASSES = {
    "ds_input": "ds_input--error",
    "ds_select": "ds_select--error",
    "ds_file-upload__input": "ds_file-upload__input--error",
}


def _render_select(self, name, value, attrs=None, renderer=None):
    """Select.render with the options written out in Python. Django renders each option
    through a template of its own, and a list of 300 organisations then cost more than the
    rest of the page; the HTML is the same."""
    widget = self.get_context(name, value, attrs)["widget"]
    parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        parts.extend(_option(option) for option in options)
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped above or in _option)


def _option(option: dict) -> str:
    # format_html for each of 400 options costs more than the page's queries; plain escaping
    # (the same function Django's escape uses) writes the same HTML.
    label = option["label"]
    label = str(label) if hasattr(label, "__html__") else html.escape(str(label))
    attrs = option["attrs"]
    if attrs and attrs.keys() != {"selected"}:
        extra = flatatt(attrs)
    else:
        extra = " selected" if attrs.get("selected") else ""
    return f'<option value="{html.escape(str(option["value"]))}"{extra}>{label}</option>'


class NamedChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """(pk, name) pairs read straight from the database: a model instance for each of 400
    communities or 300 organisations cost more than the rest of a list page."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NamedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = NamedChoiceIterator


class NamedChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter by one organisation, community or topic: anything with a name."""

    field_class = NamedModelChoiceField


NOT_STATED = "Not stated"
BLANK_LABELS = {"---------", ""}


def _without_dashes(field: forms.Field) -> None:
    """A group of radios never offers Django's "---------" choice: a required one has no blank
    option (nothing is ticked until the member chooses), an optional one calls it "Not stated".
    (Each form instance has its own copy of the field, so this changes no other form.)"""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None:
            field.empty_label = None if field.required else NOT_STATED
        return
    choices = list(getattr(field, "choices", None) or [])
    dashes = [
        i
        for i, (value, label) in enumerate(choices)
        if value in ("", None) and str(label) in BLANK_LABELS
    ]
    if not dashes:
        return
    for i in reversed(dashes):
        if field.required:
            del choices[i]
        else:
            choices[i] = (choices[i][0], NOT_STATED)
    field.choices = choices


# The codes of Django's own validators, whose messages ("Enter a valid date.") do not say
# which field they are about.
VALIDATOR_CODES = {
    "invalid", "invalid_choice", "invalid_list", "invalid_pk_value", "max_length", "min_length",
    "max_value", "min_value", "step_size", "max_digits", "max_decimal_places", "max_whole_digits",
    "null_characters_not_allowed", "invalid_extension", "unique", "unique_for_date",
}  # fmt: skip
CHOSEN = {"radioselect", "checkboxselectmultiple", "select", "selectmultiple", "nullbooleanselect"}
ARTICLES = ("the ", "a ", "an ", "your ", "my ", "its ", "their ", "this ")


def _says_which_field(field: forms.Field, error: forms.ValidationError) -> bool:
    """Whether the message was written for this field (its form's error_messages, a clean
    method) rather than being one of Django's generic ones ("This field is required.")."""
    message = field.error_messages.get(error.code)
    if message is not None:
        for cls in type(field).__mro__:
            default = cls.__dict__.get("default_error_messages", {}).get(error.code)
            if default is not None:
                return message is not default
        return True
    return error.code not in VALIDATOR_CODES


def _the(label: str) -> str:
    """ "Summary" -> "the summary"; "Your organisation" -> "your organisation"; "NHS board"
    keeps its capitals."""
    label = re.sub(r"\s*\([^)]*\)$", "", label).strip()
    if len(label) > 1 and not label[1].isupper():
        label = label[0].lower() + label[1:]
    return label if label.lower().startswith(ARTICLES) else f"the {label}"


class NetworkBoundField(BoundField):
    def __init__(self, form, field, name):
        if isinstance(field.widget, forms.RadioSelect):
            _without_dashes(field)
        super().__init__(form, field, name)

    @property
    def says_optional(self) -> bool:
        """Whether the label ends in "(optional)": only once, and not in forms (filters) where
        every field is optional."""
        if self.field.required or getattr(self.form, "optional_is_implied", False):
            return False
        return "(optional)" not in str(self.label)

    @property
    def named_errors(self) -> list[str]:
        """The field's errors, each naming the field, the same beside it and in the error
        summary: "Choose the type", "Enter the summary", or the label, a dash and Django's
        own words."""
        label = str(self.label or self.name).strip()
        named = []
        for error in self.errors.as_data():
            text = " ".join(error)
            if _says_which_field(self.field, error):
                named.append(text)
            # "Choose …" or "Enter …"; a question or a single box to tick ("I agree …") keeps
            # its label before Django's words.
            elif (
                error.code == "required"
                and not label.endswith("?")
                and self.widget_type != "checkbox"
            ):
                verb = (
                    "Choose" if self.widget_type in CHOSEN | {"clearablefile", "file"} else "Enter"
                )
                named.append(f"{verb} {_the(label)}")
            else:
                named.append(f"{label} \N{EN DASH} {text}")
        return named

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        # A placeholder that repeats the label vanishes as one types; the label and hint stay.
        # (Each form instance has its own copy of the widget, so this changes no other form.)
        widget.attrs.pop("placeholder", None)
        if type(widget) is forms.Select:
            widget.render = MethodType(_render_select, widget)
        attrs = super().build_widget_attrs(attrs, widget)
        css_class = WIDGET_CLASSES.get(self.widget_type, "ds_input")
        if css_class:
            if self.errors and css_class in ERROR_CLASSES:
                css_class = f"{css_class} {ERROR_CLASSES[css_class]}"
            attrs["class"] = f"{attrs.get('class', '')} {css_class}".strip()
        return attrs


class NetworkFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = NetworkBoundField


class FilterForm(forms.Form):
    """The base of every list's filters: all of them are optional, so none says so."""

    optional_is_implied = True
