"""A Celery worker in a process of its own, on the database this process uses: for the tests
that need a real worker and for the bulletin benchmark."""

import os
import subprocess
import sys
import urllib.parse

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The database this process uses (in tests, pytest-django's test_… copy), as a URL."""
    database = connection.settings_dict
    host = urllib.parse.quote(database["HOST"] or "", safe="")
    port = f":{database['PORT']}" if database["PORT"] else ""
    password = f":{urllib.parse.quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{host}{port}/{database['NAME']}"


def start_worker(
    *, pool: str = "solo", concurrency: int = 1, **environment: str
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        **environment,
    }
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "network", "worker"),
            *("--pool", pool, "--concurrency", str(concurrency), "--loglevel", "warning"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
