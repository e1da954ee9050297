"""Every page of a long list has a title of its own."""

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_pages_of_a_long_list_past_the_first_say_their_number_in_the_title(
    live_server, page, member
):
    for number in range(25):
        ProfileFactory(member__name=f"Listed Member {number:02}")

    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}/members/")
    first = page.title()
    page.goto(f"{live_server.url}/members/?page=2")

    assert "page" not in first
    assert page.title().startswith("Members (page 2 of 2) – ")
