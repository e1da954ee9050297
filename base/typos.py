"""Slips of typing forgiven as Meilisearch forgives them: in a word of 5 letters or more one
typo (a letter added, left out or changed, or two neighbours swapped: Damerau's four), in a word
of 9 or more two; none in a shorter word, where one slip makes another word ("note", "not"). A
typo in the first letter counts as two, as there.

A typed word finds a stored word in two steps, both in the database. Every stored word is
indexed (GIN) by its keys: itself with each letter left out, and in a word of 7 letters or more
each two (`network_typo_keys`, base migration 0003). Two words within k typos share a key with
at most k letters left out of each (a swap is undone by leaving out the same letter of both), so
the typed word's own keys (the same function) find the few candidates through the index;
`network_typos` then counts their typos exactly."""

from __future__ import annotations

import re

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap
from django.db.models import BooleanField, F, Func, Q, TextField, Value

ONE_TYPO = 5  # letters a word needs before one typo is forgiven
TWO_TYPOS = 9  # …and two
LONGEST = 40  # letters: a longer "word" is no word, and its keys would be thousands
WORD = re.compile(r"[^\W\d_]+")


def typos_allowed(word: str) -> int:
    if len(word) > LONGEST:
        return 0
    if len(word) >= TWO_TYPOS:
        return 2
    if len(word) >= ONE_TYPO:
        return 1
    return 0


def typos(typed: str, word: str) -> int:
    """Damerau's distance (optimal string alignment), a different first letter counting one
    more: as `network_typos` counts them."""
    before, row = None, list(range(len(word) + 1))
    for i, letter in enumerate(typed, 1):
        current = [i]
        for j, other in enumerate(word, 1):
            best = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (letter != other))
            if before and i > 1 and j > 1 and letter == word[j - 2] and typed[i - 2] == other:
                best = min(best, before[j - 2] + 1)
            current.append(best)
        before, row = row, current
    return row[-1] + (typed[:1] != word[:1])


def within(typed: str, word: str) -> bool:
    """Whether `word` is what `typed` may have meant."""
    return typos(typed, word) <= typos_allowed(typed)


def words(text: str) -> list[str]:
    return list(dict.fromkeys(WORD.findall(text.lower())))


def typo_keys(expression) -> Func:
    """The keys of a lower-case text, as its GIN index has them."""
    return Func(expression, function="network_typo_keys", output_field=ArrayField(TextField()))


def typo_match(field: str, word: str) -> Q:
    """Rows whose `field` (lower case, with a GIN index of `typo_keys`) has a word within
    `word`'s typos; for a word too short to forgive, a word that starts with it."""
    allowed = typos_allowed(word)
    if not allowed:
        return Q(**{f"{field}__regex": rf"\m{word}"})
    near = Func(
        F(field),
        Value(word),
        Value(allowed),
        function="network_has_word_within",
        output_field=BooleanField(),
    )
    typed_keys = typo_keys(Value(word))
    return Q(Overlap(typo_keys(F(field)), typed_keys)) & Q(near)


def words_match(field: str, text: str) -> Q | None:
    """Rows whose `field` has each word of `text` within its typos (a short word as the start
    of a word); None when no word is long enough to forgive a typo in."""
    typed = words(text)
    if not any(typos_allowed(word) for word in typed):
        return None
    every = Q()
    for word in typed:
        every &= typo_match(field, word)
    return every
