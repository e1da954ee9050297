"""The newcomer's path: no DATABASE_URL, no REDIS_URL, only the project's own embedded servers."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
from django.conf import settings

from tooling import devservers

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return None


@pytest.fixture
def newcomer_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["NETWORK_DATA_DIR"] = str(tmp_path / "data")
    return env


def make_run(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tooling.devservers", "serve", "--port", str(port)],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_the_site_answers(launcher: subprocess.Popen, url: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert launcher.poll() is None, launcher.stdout.read()
        if answers(url) == 200:
            return
        time.sleep(0.5)
    pytest.fail(f"the site did not answer at {url}")


def ctrl_c(launcher: subprocess.Popen) -> str:
    launcher.send_signal(signal.SIGINT)
    output, _ = launcher.communicate(timeout=90)
    return output


def test_embedded_servers_start_seed_serve_run_tasks_and_stop(newcomer_env, tmp_path):
    data = tmp_path / "data"

    for run in ("first", "second"):
        port = free_port()
        launcher = make_run(newcomer_env, port)
        try:
            wait_until_the_site_answers(launcher, f"http://127.0.0.1:{port}/")
            assert answers(f"http://127.0.0.1:{port}/health/") == 200

            # A one-off command attaches to the running servers and reaches the worker.
            pinged = subprocess.run(
                [sys.executable, "manage.py", "ping_worker", "--timeout", "60"],
                cwd=settings.BASE_DIR,
                env={**newcomer_env, "DEBUG": "true"},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert pinged.returncode == 0, pinged.stderr
            assert "A worker ran the task" in pinged.stdout
        finally:
            output = ctrl_c(launcher)

        assert "Demo network ready" in output, f"{run} run: seed_demo succeeds\n{output}"
        assert launcher.returncode in (0, 130)
        assert answers(f"http://127.0.0.1:{port}/") is None, "the web server stopped"
        assert not devservers.postgres_running(data), "PostgreSQL stopped"
        assert not devservers.redis_running(data), "Redis stopped"
        assert processes_using(data) == [], "runserver, the worker and beat stopped"


def processes_using(data) -> list[str]:
    """Any process whose command line names the data folder (beat's schedule file is in it)."""
    leftovers = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if str(data) in command:
            leftovers.append(command)
    return leftovers
