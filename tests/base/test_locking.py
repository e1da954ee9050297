import threading

import pytest
from django.db import close_old_connections, connection, transaction

from base.locking import lock_objects
from members.models import Topic
from tests.concurrency import wait_for_lock_waiters
from tests.factories import MemberFactory, TopicFactory


def in_a_thread(work, failures):
    def run():
        try:
            work()
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("tables", ["one table", "two tables"])
def test_two_transactions_locking_the_same_rows_in_opposite_orders_both_finish(tables):
    first = MemberFactory(name="Ailsa")
    second = MemberFactory(name="Bryce") if tables == "one table" else TopicFactory(name="Frailty")
    held, release = threading.Event(), threading.Event()
    failures, finished = [], []

    def hold_both():
        with transaction.atomic():
            lock_objects(first, second)
            held.set()
            release.wait(timeout=30)

    def lock_and_write(*rows):
        held.wait(timeout=30)
        with transaction.atomic():
            locked = lock_objects(*rows)
            for row in locked:  # read afresh: each adds to what the other wrote before it
                row.name += "+"
                row.save(update_fields=["name"])
        finished.append(rows)

    threads = [in_a_thread(hold_both, failures)]
    held.wait(timeout=30)
    # Both wait behind the holder; when it ends, they start at the same instant. Taking the
    # rows in the order they were named, each would take its first and wait for the other's.
    threads.append(in_a_thread(lambda: lock_and_write(first, second), failures))
    threads.append(in_a_thread(lambda: lock_and_write(second, first), failures))
    wait_for_lock_waiters(2)
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()

    assert failures == []
    assert len(finished) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.name.endswith("++") and second.name.endswith("++")


@pytest.mark.django_db
def test_a_row_is_returned_as_it_now_is_and_a_query_as_its_rows():
    topics = [TopicFactory(name=name) for name in ("Dementia", "Frailty")]
    stale = Topic.objects.get(pk=topics[0].pk)
    Topic.objects.filter(pk=stale.pk).update(name="Dementia care")

    fresh, listed = lock_objects(stale, Topic.objects.filter(pk__in=[t.pk for t in topics]))

    assert fresh.name == "Dementia care"
    assert sorted(topic.name for topic in listed) == ["Dementia care", "Frailty"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_locking_outside_a_transaction_is_refused():
    topic = TopicFactory()

    with pytest.raises(transaction.TransactionManagementError):
        lock_objects(topic)
