"""The fast way the filters' long lists are written gives the same page as Django's own
(but for the line breaks between options)."""

import re
from types import MethodType

import pytest
from django import forms

from base.forms import _render_select
from members.filters import DirectoryFilter
from members.models import Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("chosen", [None, "first", "second"])
def test_a_list_of_organisations_is_written_as_django_would(chosen):
    names = ["Borders & Lothian <Care>", 'Fife "Partnership"', "O'Brien Trust"]
    organisations = [OrganisationFactory(name=name) for name in names]
    value = {"first": organisations[0].pk, "second": organisations[2].pk}.get(chosen)
    field = DirectoryFilter({"organisation": value} if value else {}).form["organisation"]
    plain = forms.Select(
        choices=[("", "Any organisation")] + [(o.pk, o.name) for o in organisations]
    )
    fast = forms.Select(choices=field.field.choices)
    fast.render = MethodType(_render_select, fast)

    written = fast.render("organisation", value, {"id": "id_organisation"})

    django_own = plain.render("organisation", value, {"id": "id_organisation"})
    assert written == re.sub(r">\s+<", "><", django_own)
    assert "Borders &amp; Lothian &lt;Care&gt;" in written
    assert Organisation.objects.count() == 3
