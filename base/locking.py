"""Row locks taken in one order everywhere, so that no two pieces of work can deadlock.

Two transactions deadlock when each holds a row the other waits for: one locked an event and then
a mentor's offer, the other the offer and then the event. Locking every row through
`lock_objects`, in one fixed order across the whole project (by table name, then by primary
key), makes that impossible: whoever gets the first shared row first also gets the rest, and the
other waits for it to finish.

The rules for callers:

- Call it inside `transaction.atomic()`: the locks last until that transaction ends.
- Call it once, before changing anything, with every row the work decides under: the work may
  then change those rows and the ones they guard (an event's registrations, a request's
  approaches). A later call in the same transaction may only add rows that sort after every row
  already held, or the order is broken.
- Decide from the rows it returns, never from rows read before: they are read after the lock,
  so they hold what the last transaction to finish left.

The pattern is pretix's `lock_objects` (its quotas, seats and vouchers), with row locks where
pretix takes advisory locks: here the rows themselves exist before the work starts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet


def lock_objects(*wanted: Model | QuerySet) -> list[Any]:
    """Lock the rows, in the project's one order, and return them read afresh.

    Each argument is a row (a model instance: only its primary key is used) or a query for any
    number of rows. The answer has, in the order of the arguments, the fresh row for each row
    given, and the list of fresh rows (in the query's own order) for each query. A row given
    that no longer exists raises its model's DoesNotExist; a query's rows that were deleted
    before they could be locked are left out.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "Row locks last as long as a transaction: lock inside transaction.atomic()."
        )
    asked: list[tuple[type[Model], list]] = []
    keys: dict[type[Model], set] = defaultdict(set)
    for item in wanted:
        if isinstance(item, QuerySet):
            model, pks = item.model, list(item.values_list("pk", flat=True))
        else:
            model, pks = type(item), [item.pk]
        model = model._meta.concrete_model
        asked.append((model, pks))
        keys[model].update(pks)
    fresh: dict[tuple[type[Model], Any], Model] = {}
    for model in sorted(keys, key=lambda model: model._meta.db_table):
        # ORDER BY with FOR UPDATE: Postgres locks the rows one by one as the sort hands them up.
        rows = model._base_manager.select_for_update().filter(pk__in=keys[model]).order_by("pk")
        fresh.update(((model, row.pk), row) for row in rows)
    answer = []
    for item, (model, pks) in zip(wanted, asked, strict=True):
        if isinstance(item, QuerySet):
            answer.append([fresh[model, pk] for pk in pks if (model, pk) in fresh])
        elif (model, item.pk) in fresh:
            answer.append(fresh[model, item.pk])
        else:
            raise model.DoesNotExist(f"{model._meta.object_name} {item.pk} no longer exists.")
    return answer
