"""A correction is offered only when the words as typed find nothing, never to a stop word, and
always with the words as typed a link away."""

import pytest
from django.urls import reverse

from search import services as search
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


def test_a_short_word_is_not_corrected_to_a_stop_word(client, member):
    # "Private note": nothing has both words, and "note" is too short to correct to "not".
    make_resource("Private practice", summary="This is not a guide.")
    search.words_refresh()
    client.force_login(member)

    page = client.get(reverse("search"), {"q": "Private note"}).content.decode()

    assert "Showing results for" not in page
    assert "Nothing found for “Private note”" in page


def test_a_word_is_never_corrected_to_a_stop_word(member):
    make_resource("Which ward", summary="Which ward comes first.")
    search.words_refresh()

    assert search.corrected(member, "whihc") is None  # "which" is a stop word


def test_words_that_find_something_are_not_corrected(client, member):
    make_resource("Frailty guide", summary="Frailty screening.")
    make_resource("Frailtey typo", slug="typo", summary="Spelt so on purpose.")
    search.words_refresh()
    client.force_login(member)

    page = client.get(reverse("search"), {"q": "frailtey"}).content.decode()

    assert "Frailtey typo" in page and "Showing results for" not in page


def test_a_correction_that_finds_nothing_is_not_offered(client, member):
    make_resource("Falls guidance")
    make_resource("Wombat counting", slug="wombat")
    search.words_refresh()

    # "guidance wombat" would find nothing either: nothing has both.
    page = client.get(reverse("search"), {"q": "guidnace wombat"}).content.decode()

    assert "Showing results for" not in page
    assert "Nothing found for “guidnace wombat”" in page
