"""Pieces the apps share to keep their stored search vectors: each app's `*_index(queryset)`
rebuilds the vectors of many rows in one UPDATE, so a whole table can be indexed at once (a
migration, seed_scale) with the same definition a single edit uses."""

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import F, Func, QuerySet, Subquery, TextField, Value

SEARCH_CONFIG = "english"


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
