"""Private PostgreSQL and Redis servers, real workers and a real SMTP server for the fault tests.

Every test starts its own servers in its own folder, on their own sockets, so that it can stop
and start them without touching the machine's servers or anyone else's tests.
"""

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from network import celery_app
from network.settings import celery_broker_url
from tests.workers import worker_for
from tooling import devservers
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import stop_worker


@dataclass
class PrivateRedis:
    root: Path
    url: str

    def stop(self) -> None:
        devservers.redis_stop(self.root)

    def start(self) -> None:
        devservers.redis_start(self.root)


def point_celery_at(broker_url: str) -> None:
    """Send this process's tasks to `broker_url`. Celery keeps its connections in pools made on
    first use; dropping them (as Celery itself does after a fork) makes the next send use the
    new address."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.broker_url = broker_url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_redis(tmp_path, settings):
    """A Redis of this test's own, for this process's cache and tasks and for its workers."""
    root = tmp_path / "servers"
    url = devservers.redis_start(root)
    machine_broker = celery_app.conf.broker_url
    settings.REDIS_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    settings.CELERY_BROKER_URL = celery_broker_url(url)
    point_celery_at(settings.CELERY_BROKER_URL)
    try:
        yield PrivateRedis(root, url)
    finally:
        point_celery_at(machine_broker)
        devservers.redis_stop(root)


@pytest.fixture
def private_postgres(tmp_path):
    """A PostgreSQL server of this test's own; the URL of its (empty) project database."""
    root = tmp_path / "servers"
    root.mkdir(exist_ok=True)
    url = devservers.postgres_start(root)
    try:
        yield root, url
    finally:
        devservers.postgres_stop(root)


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def workers(private_redis, smtp_sink):
    """Starts Celery workers on the private Redis that send their e-mail to the sink; every one
    still running is stopped at the end."""
    started = []

    def start(**environment: str):
        process = worker_for(smtp_sink, **environment)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            stop_worker(process)


@contextlib.contextmanager
def answers_within(seconds: float):
    """A request must answer (well or badly) within `seconds`: an outage must never hang it."""
    started = time.monotonic()
    yield
    took = time.monotonic() - started
    assert took < seconds, f"the request took {took:.1f}s"
