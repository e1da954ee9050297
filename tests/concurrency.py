"""Helpers for tests that run transactions side by side on the real Postgres."""

import time

from django.db import connection


def wait_for_lock_waiters(count: int, *, seconds: float = 10) -> None:
    """Return once `count` transactions of this database wait for a lock (or fail after
    `seconds`), so a test lets the holder go only when the others are queued behind it."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} transactions never queued for a lock")
            time.sleep(0.02)
