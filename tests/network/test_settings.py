"""Settings come from the environment; a malformed value stops start-up and names the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from network.settings import celery_broker_url

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-of-at-least-fifty-characters-x7Qp2Lm9Zr4Tk8Vw",
    "ALLOWED_HOSTS": "network.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://network.example.org",
    "SITE_URL": "https://network.example.org",
    "EMAIL_HOST": "smtp.example.org",
}


def run_django(command: list[str], **environment: str) -> subprocess.CompletedProcess:
    # The real services of this run, so that only the variables under test differ.
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "DEBUG": "true",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(autouse=True)
def named_services(monkeypatch):
    """Django starts afresh in these tests; it must reach the servers this run uses."""
    monkeypatch.setenv("DATABASE_URL", settings.DATABASE_URL)
    monkeypatch.setenv("REDIS_URL", settings.REDIS_URL)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a yes/no value"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT='twenty-five' is not a whole number"),
        ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS='-1' must be at least 0"),
        (
            "DATABASE_URL",
            "mysql://root@localhost/network",
            "DATABASE_URL must name a PostgreSQL database",
        ),
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a valid database URL"),
        ("REDIS_URL", "memcached://localhost:11211", "REDIS_URL must be a Redis URL"),
        ("EMAIL_BACKEND", "carrier-pigeon", "EMAIL_BACKEND must be smtp or console"),
        (
            "SITE_URL",
            "network.example.org",
            "SITE_URL='network.example.org' must start with https://",
        ),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD'"),
        ("CSRF_TRUSTED_ORIGINS", "network.example.org", "CSRF_TRUSTED_ORIGINS entry"),
        ("FORWARDED_ALLOW_IPS", "*", "FORWARDED_ALLOW_IPS='*' must list the proxy's own"),
        ("FORWARDED_ALLOW_IPS", "proxy", "FORWARDED_ALLOW_IPS='proxy' must list the proxy's"),
        ("BEHIND_TLS_PROXY", "true", "BEHIND_TLS_PROXY is no longer read"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(variable, value, message):
    result = run_django(["check"], **{variable: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_requires_its_values(missing):
    environment = {
        **PRODUCTION,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    environment[missing] = ""

    result = run_django(["check"], **environment)

    complaint = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0
    assert complaint.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert missing in complaint


def test_deploy_check_passes_with_production_values():
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_broker_reaches_a_unix_socket_redis_by_kombus_spelling():
    assert (
        celery_broker_url("unix:///srv/redis.sock?db=2")
        == "redis+socket:///srv/redis.sock?virtual_host=2"
    )
    assert celery_broker_url("redis://cache:6379/1") == "redis://cache:6379/1"
