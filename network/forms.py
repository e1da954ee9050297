"""One way to render every form: Scottish Government Design System fields and an error summary."""

from types import MethodType

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
    html = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            html.append(format_html('<optgroup label="{}">', group_name))
        html.extend(
            format_html(
                '<option value="{}"{}>{}</option>',
                str(option["value"]),
                flatatt(option["attrs"]),
                option["label"],
            )
            for option in options
        )
        if group_name:
            html.append(mark_safe("</optgroup>"))
    html.append(mark_safe("</select>"))
    return mark_safe("".join(html))  # noqa: S308 (every part escaped by format_html)


class NetworkBoundField(BoundField):
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
