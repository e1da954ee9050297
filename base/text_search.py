"""Pieces the apps share for full-text search: what was typed, made searchable (search_text);
and their stored search vectors: each app's `*_index(queryset)` rebuilds the vectors of many
rows in one UPDATE, so a whole table can be indexed at once (a migration, seed_scale) with the
same definition a single edit uses."""

import re

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import F, Func, QuerySet, Subquery, TextField, Value

SEARCH_CONFIG = "english"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def search_text(typed: str, *, length: int = 200) -> str:
    """Words typed in a search box as they can be searched: without control characters (a
    NUL byte is refused by PostgreSQL, whatever the query), spaces collapsed, at most
    `length` characters."""
    return " ".join(_CONTROL.sub(" ", typed or "").split())[:length]


def joined_text(rows: QuerySet, field: str, group: str) -> Subquery:
    """The text of `field` over all of `rows` (already tied to the outer row by an OuterRef on
    `group`), joined by spaces: a row's topics, a thread's posts."""
    return Subquery(
        rows.order_by().values(group).annotate(text=StringAgg(field, " ")).values("text")[:1],
        output_field=TextField(),
    )


def array_text(field: str) -> Func:
    """An array of words (expertise tags) as one string."""
    return Func(F(field), Value(" "), function="array_to_string", output_field=TextField())
