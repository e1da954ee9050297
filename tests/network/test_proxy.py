"""Forwarded headers are believed from the proxy alone: no client can claim HTTPS, or another
address to dodge the rate limits, by writing them itself."""

import ipaddress
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from tests.factories import MemberFactory
from tests.workers import wait_until
from tooling.smtp_sink import free_port

ROOT = settings.BASE_DIR


def project_command_line() -> list[str]:
    """The web server's command line as the image runs it (the Dockerfile's CMD)."""
    (command,) = re.findall(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    return json.loads(command)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def ask(address: str, **headers) -> tuple[int, str]:
    request = urllib.request.Request(f"{address}/ping/", headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status, ""
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Location", "")


@pytest.fixture
def gunicorn():
    """Starts the project's own command line on loopback, trusting the addresses given."""
    servers = []

    def start(trusted: str) -> str:
        command = project_command_line()
        assert command[:2] == ["gunicorn", "network.wsgi"]
        port = free_port()
        options = command[2:]
        options[options.index("--bind") + 1] = f"127.0.0.1:{port}"
        options[options.index("--workers") + 1] = "1"
        environment = {
            "PATH": os.environ["PATH"],
            "DEBUG": "false",
            "SECRET_KEY": "a-test-secret-key-of-at-least-fifty-characters-for-gunicorn-only",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "FORWARDED_ALLOW_IPS": trusted,
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "network.wsgi", *options],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(server)
        address = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return ask(address)[0] in {200, 301}
            except OSError:
                return False

        assert wait_until(up, seconds=60), "gunicorn did not start"
        return address

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=30)


def test_a_client_that_is_not_the_proxy_cannot_claim_https(gunicorn):
    # The proxy is elsewhere (a documentation address); this test's client is 127.0.0.1.
    address = gunicorn(trusted="192.0.2.10")

    status, location = ask(address, **{"X-Forwarded-Proto": "https"})

    assert status == 301, "treated as plain HTTP, so sent to HTTPS"
    assert location.startswith("https://")


def test_the_proxy_is_believed_when_it_says_https(gunicorn):
    address = gunicorn(trusted="127.0.0.1")

    assert ask(address, **{"X-Forwarded-Proto": "https"})[0] == 200
    assert ask(address)[0] == 301, "and only when it says so"


@pytest.mark.django_db
def test_a_client_that_is_not_the_proxy_cannot_choose_the_address_it_is_limited_under(
    client, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    members = MemberFactory.create_batch(11)

    # Ten wrong passwords a minute from one address, each for another member and each
    # claiming another address.
    for number, someone in enumerate(members):
        response = client.post(
            reverse("account_login"),
            {"login": someone.email, "password": "a wrong guess"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )

    assert "Too many failed attempts to sign in" in response.content.decode(), (
        "the eleventh is refused: counted under the address that really asked"
    )


@pytest.mark.django_db
def test_behind_the_proxy_each_visitor_has_their_own_limit(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    members = MemberFactory.create_batch(11)

    for number, someone in enumerate(members):
        response = client.post(
            reverse("account_login"),
            {"login": someone.email, "password": "a wrong guess"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )

    assert "Too many failed attempts to sign in" not in response.content.decode()


def test_nginx_sets_the_forwarded_headers_and_passes_on_none_of_the_clients():
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    directives = {
        name: value
        for name, value in re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(.*?);", config, re.M)
    }

    assert directives["X-Forwarded-For"] == "$remote_addr"
    assert directives["X-Forwarded-Proto"] == "$scheme"
    # The other headers gunicorn reads as the scheme, dropped rather than passed on.
    assert directives["X-Forwarded-Ssl"] == directives["X-Forwarded-Protocol"] == '""'
    assert "$http_x_forwarded" not in config
    assert "$proxy_add_x_forwarded_for" not in config


def test_the_compose_web_servers_trust_the_proxy_alone():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    web = services["web"]
    proxy_address = ipaddress.ip_address(services["proxy"]["networks"]["default"]["ipv4_address"])
    (addresses,) = compose["networks"]["default"]["ipam"]["config"]

    assert web["environment"]["FORWARDED_ALLOW_IPS"] == str(proxy_address)
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1", "nginx sets one address"
    assert proxy_address in ipaddress.ip_network(addresses["subnet"])
    assert proxy_address not in ipaddress.ip_network(addresses["ip_range"]), (
        "no other container can be given the proxy's address"
    )
    assert "ports" not in web, "clients reach the web servers through the proxy only"
    command = " ".join(project_command_line())
    assert "--forwarded-allow-ips" not in command and "*" not in command
