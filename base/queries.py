"""Query pieces the apps share."""

from django.db.models import Aggregate, Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def per_row(rows: QuerySet, link: str, amount: Aggregate | None = None, default=0):
    """How many of `rows` (or another `amount` of them) each outer row has, where `link` is
    the field of `rows` that points to it; worked out as a subquery of its own. Counting
    through joins multiplies the rows: a list of 400 communities with their members and
    threads took seconds that way. `default=None` leaves rows with nothing as None."""
    worked_out = Subquery(
        rows.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(amount=amount or Count("pk"))
        .values("amount")
    )
    return worked_out if default is None else Coalesce(worked_out, default)
