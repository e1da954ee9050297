"""PostgreSQL is stopped under a running site (gunicorn, as in production) and started again.

Meanwhile every page answers at once with the friendly error page, never a hang or a traceback;
once the database is back, the very next requests succeed on fresh connections.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from tests.workers import wait_until
from tooling import devservers
from tooling.smtp_sink import free_port

pytestmark = pytest.mark.faults

PAGES = ["/", "/events/", "/resources/", "/communities/"]
SORRY = "Sorry, there is a problem with the service"
# Longer than any answer may take, so that a hang fails the test rather than stalling it.
PATIENCE = 20
QUICK = 5


def fetch(url: str) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, body, time.monotonic() - started


@pytest.fixture
def site(private_postgres, private_redis):
    root, database_url = private_postgres
    environment = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "tests.faults.server_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": private_redis.url,
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=environment,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "network.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"),
        ],
        cwd=settings.BASE_DIR,
        env=environment,
    )
    address = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return fetch(f"{address}/ping/")[0] == 200
        except OSError:
            return False

    try:
        assert wait_until(up, seconds=60), "the site did not start"
        yield address, root
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_with_postgres_down_pages_fail_cleanly_and_recover_once_it_is_back(site):
    address, root = site
    for page in PAGES:
        assert fetch(address + page)[0] == 200, page

    devservers.postgres_stop(root)

    for page in PAGES:
        status, body, took = fetch(address + page)
        assert status in {500, 503}, page
        assert SORRY in body, page
        assert "Traceback" not in body, page
        assert took < QUICK, f"{page} took {took:.1f}s"
    status, body, _ = fetch(f"{address}/health/")
    assert status == 503
    assert '"database": "down"' in body

    devservers.postgres_start(root)

    for page in [*PAGES, "/health/"]:
        status, _, took = fetch(address + page)
        assert status == 200, page
        assert took < QUICK, f"{page} took {took:.1f}s"
