"""Every form of the network, walked: no group of radios offers Django's "---------" choice,
and no label says "(optional)" twice."""

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ObjectDoesNotExist

from base.forms import NOT_STATED

pytestmark = pytest.mark.django_db

APPS = ["base", "members", "communities", "events", "mentoring", "resources", "bulletins",
        "projects", "insights", "search", "network"]  # fmt: skip


def _every_form_class() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found, queue = set(), [forms.BaseForm]
    while queue:
        for subclass in queue.pop().__subclasses__():
            queue.append(subclass)
            if subclass.__module__.split(".")[0] in APPS and not _is_abstract(subclass):
                found.add(subclass)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _is_abstract(cls) -> bool:
    """A model form's base that names no model yet."""
    return issubclass(cls, forms.BaseModelForm) and getattr(cls._meta, "model", None) is None


FORM_CLASSES = _every_form_class()


def _a_form(cls) -> forms.BaseForm:
    """The form as its page makes it where it needs nothing, else with only its declared
    fields (those its __init__ adds are checked by the page tests of its app)."""
    try:
        return cls()
    except (TypeError, KeyError, ObjectDoesNotExist):
        form = cls.__new__(cls)
        forms.BaseForm.__init__(form)
        return form


def test_the_walk_finds_the_forms_with_radios():
    names = {cls.__name__ for cls in FORM_CLASSES}
    assert {"EventForm", "FeedbackForm", "AnswerForm"} <= names
    assert len(FORM_CLASSES) > 40


@pytest.mark.parametrize("cls", FORM_CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_radios_offer_no_dashes_and_labels_say_optional_once(cls):
    form = _a_form(cls)
    for name, field in form.fields.items():
        if getattr(field, "queryset", "") is None:
            continue  # its choices come from the page (the form's __init__)
        bound = form[name]
        written = str(bound.as_field_group())
        assert "(optional) (optional)" not in written, name
        assert written.count("(optional)") <= 1, name
        if not isinstance(field.widget, forms.RadioSelect):
            continue
        radios = str(bound)
        assert "---------" not in radios, name
        if field.required:
            assert 'value=""' not in radios, name


class Meeting(forms.Form):
    place = forms.ChoiceField(
        choices=[("", "---------"), ("online", "Online")], widget=forms.RadioSelect
    )
    room = forms.ChoiceField(
        choices=[("", "---------"), ("a", "Room A")], widget=forms.RadioSelect, required=False
    )


def test_a_required_choice_has_no_blank_and_an_optional_one_is_not_stated():
    form = Meeting()
    assert 'value=""' not in str(form["place"])
    assert not any(value == "" for value, _ in form.fields["place"].choices)
    assert NOT_STATED in str(form["room"])
    # Another form of the same class is unchanged by the first's rendering.
    assert Meeting.base_fields["place"].choices[0] == ("", "---------")


class Proposal(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=[("talk", "Talk")], widget=forms.RadioSelect)
    summary = forms.CharField(label="Summary")
    organisation = forms.CharField(label="Your organisation")
    board = forms.CharField(label="NHS board (where you work)")
    starts = forms.DateField(label="Starts")
    title = forms.CharField(label="Title", error_messages={"required": "Give it a title."})
    agreed = forms.BooleanField(label="I agree to the terms")


def test_each_error_names_its_field_in_the_summary_and_beside_it():
    form = Proposal({"starts": "soon"})
    summary = str(form)
    expected = [
        "Choose the type",
        "Enter the summary",
        "Enter your organisation",
        "Enter the NHS board",
        "Starts \N{EN DASH} Enter a valid date.",
        "Give it a title.",
        "I agree to the terms \N{EN DASH} This field is required.",
    ]
    for message in expected:
        assert summary.count(message) == 2, message  # in the summary and beside the field
    assert '">This field is required.' not in summary  # never on its own
