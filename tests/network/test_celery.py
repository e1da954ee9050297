"""A real Celery worker, in its own process, on the Redis broker this run uses."""

import time
import uuid

import pytest
from django.core.cache import cache
from django.db import transaction

from network.tasks import ping, ping_key
from tooling.worker_process import start_worker, stop_worker


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    process = start_worker()
    yield process
    stop_worker(process)


def wait_for_mark(token: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cache.get(ping_key(token)):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_enqueued_in_a_transaction_runs_after_commit(worker):
    token = uuid.uuid4().hex

    with transaction.atomic():
        ping.delay_on_commit(token)
        # Long enough for the worker to have run a task sent at once.
        assert not wait_for_mark(token, seconds=2), "nothing is sent before the commit"

    assert wait_for_mark(token), "the worker ran the task once the transaction committed"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_of_a_rolled_back_transaction_is_never_sent(worker):
    abandoned, sentinel = uuid.uuid4().hex, uuid.uuid4().hex

    with pytest.raises(RuntimeError), transaction.atomic():
        ping.delay_on_commit(abandoned)
        raise RuntimeError("the member's change failed")
    ping.delay(sentinel)

    # One queue, one worker process: once the later task has run, the earlier one would have too.
    assert wait_for_mark(sentinel)
    assert cache.get(ping_key(abandoned)) is None
