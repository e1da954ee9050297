"""Typos forgiven as Meilisearch forgives them (base/typos.py): one in a word of 5 letters or
more, two in a word of 9 or more, none in a shorter one; in names as in other words."""

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from base.typos import typos, within
from members.models import Profile
from members.services import directory_search
from search import services as search
from tests.factories import ProfileFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db

# The autouse fixtures of tests/conftest.py (settings, cache) are shared by every example alike.
checks = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

LETTERS = "abcdefghijklmnopqrstuvwxyz"
KINDS = ["swap", "insert", "delete", "substitute"]


def word(low: int, high: int):
    return st.text(alphabet=LETTERS, min_size=low, max_size=high)


@st.composite
def slip(draw, meant: str) -> str:
    """`meant` with one typo after its first letter (a first-letter typo counts as two)."""
    kind = draw(st.sampled_from(KINDS))
    letter = draw(st.sampled_from(LETTERS))
    if kind == "swap":
        i = draw(st.integers(1, len(meant) - 2))
        return meant[:i] + meant[i + 1] + meant[i] + meant[i + 2 :]
    if kind == "insert":
        i = draw(st.integers(1, len(meant)))
        return meant[:i] + letter + meant[i:]
    i = draw(st.integers(1, len(meant) - 1))
    if kind == "delete":
        return meant[:i] + meant[i + 1 :]
    return meant[:i] + letter + meant[i + 1 :]


@st.composite
def typed_with(draw, low: int, high: int, count: int) -> tuple[str, str]:
    meant = draw(word(low, high))
    typed = meant
    for _ in range(count):
        typed = draw(slip(typed))
    return meant, typed


def finds_the_person(name: str, typed: str) -> bool:
    with transaction.atomic():
        person = ProfileFactory(member__name=name)
        found = person in directory_search(Profile.objects.all(), typed)
        transaction.set_rollback(True)
    return found


@checks
@given(typed_with(5, 8, count=1))
def test_one_typo_in_a_name_of_five_letters_or_more_finds_the_person(member, words):
    meant, typed = words
    assume(len(typed) >= 5)  # the rule goes by the word as typed

    assert finds_the_person(f"{meant.capitalize()} Example", typed.capitalize())


@checks
@given(typed_with(9, 14, count=2))
def test_two_typos_in_a_name_of_nine_letters_or_more_find_the_person(member, words):
    meant, typed = words
    # Two slips one after the other can make three typos ("ab", "ba", "bca"): those are not asked.
    assume(len(typed) >= 9 and typos(typed, meant) <= 2)

    assert finds_the_person(f"Iona {meant.capitalize()}", f"Iona {typed}")


@checks
@given(typed_with(6, 12, count=1))
def test_a_typo_in_another_word_finds_the_resource(client, member, words):
    meant, typed = words
    assume(len(typed) >= 5)
    with transaction.atomic():
        make_resource(f"Guide to {meant}", slug="guide", summary="Worked examples.")
        search.words_refresh()

        page = client.get(reverse("search"), {"q": typed}).content.decode()

        assert f"Guide to {meant}" in page
        if typed != meant:
            assert f"Showing results for <strong>{meant}</strong>" in page
            assert "Search instead for" in page
        transaction.set_rollback(True)


@checks
@given(typed_with(3, 4, count=1))
def test_a_short_word_is_never_corrected(member, words):
    meant, typed = words
    assume(len(typed) < 5)
    with transaction.atomic():
        make_resource(f"Guide to {meant}", slug="guide", summary="Worked examples.")
        search.words_refresh()

        assert search.corrected(member, typed) is None or typed == meant
        transaction.set_rollback(True)


@checks
@given(word(1, 12), word(1, 12))
def test_the_database_counts_typos_as_the_rule_says(member, typed, meant):
    with connection.cursor() as cursor:
        cursor.execute("SELECT network_typos(%s, %s, 2)", [typed, meant])
        counted = cursor.fetchone()[0]

    assert counted == min(typos(typed, meant), 3)


def test_typos_are_damerau_with_the_first_letter_counting_two():
    assert typos("alisa", "ailsa") == 1  # a swap is one typo
    assert typos("buhcanan", "buchanan") == 1
    assert typos("laisa", "alisa") == 2  # the first letter's is two
    assert within("alisa", "ailsa") and within("mcakenzei", "mackenzie")
    assert not within("note", "not") and not within("laisa", "alisa")


@pytest.mark.parametrize("typed", ["Alisa", "Buhcanan", "Alisa Buhcanan", "ailsa buhcanan"])
def test_swapped_letters_find_the_member_everywhere(client, member, typed):
    ProfileFactory(member__name="Ailsa Buchanan", job_title="Ward sister")
    ProfileFactory(member__name="Alastair Bell")
    client.force_login(member)

    directory = client.get(reverse("members:directory"), {"q": typed})
    assert [p.member.name for p in directory.context["page"].object_list] == ["Ailsa Buchanan"]
    assert "Ailsa Buchanan" in client.get(reverse("search"), {"q": typed}).content.decode()
    suggested = client.get(reverse("search_suggest"), {"q": typed}).content.decode()
    assert "Ailsa Buchanan" in suggested and "Alastair Bell" not in suggested


def test_communities_and_projects_are_suggested_despite_a_swap(client, member, coordinator):
    from tests.projects.conftest import make_project
    from tests.search.test_search import community

    community("Frailty network")
    make_project(coordinator, "Hospital at home", visibility="public", aim="Fewer admissions.")
    client.force_login(member)

    suggested = client.get(reverse("search_suggest"), {"q": "fraitly"}).content.decode()
    assert "Frailty network" in suggested
    suggested = client.get(reverse("search_suggest"), {"q": "hopsital"}).content.decode()
    assert "Hospital at home" in suggested
