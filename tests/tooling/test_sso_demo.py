"""`make sso-demo`: a local provider with a demo organisation that a newcomer can click through,
and `make run` saying how to try it."""

import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse

import httpx
import pytest
from django.conf import settings as django_settings
from django.utils.text import slugify

from members.models import Profile
from network.settings import sso_providers
from tooling import devservers, sso_demo
from tooling.demo.seeding import seed_organisations


def test_make_run_says_how_to_try_organisation_sign_in():
    assert "make sso-demo" in devservers.organisation_sign_in_hint({})
    configured = devservers.organisation_sign_in_hint({"SSO_PROVIDERS": "[…]"})
    assert "providers of SSO_PROVIDERS" in configured


def test_the_demo_organisation_is_one_the_demo_network_has():
    names = (django_settings.BASE_DIR / "tooling/seed/organisations.csv").read_text()
    assert sso_demo.DEMO_ORGANISATION in {
        slugify(line.split(",")[0]) for line in names.splitlines()
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def demo():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tooling.sso_demo", "--port", str(port)],
        cwd=django_settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        printed = ""
        deadline = time.monotonic() + 30
        while "filled in" not in printed and time.monotonic() < deadline:
            printed += process.stdout.readline()
        yield printed
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.django_db
def test_a_newcomer_follows_what_the_demo_prints_and_joins_as_its_demo_person(
    demo, client, settings
):
    command = re.search(r"^\s*(SSO_PROVIDERS=.*) make run$", demo, re.MULTILINE).group(1)
    value = shlex.split(command)[0].removeprefix("SSO_PROVIDERS=")
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": sso_providers(value, allow_plain_http=True),
        }
    }
    seed_organisations()
    person = sso_demo.DEMO_PEOPLE[0]
    assert person["email"] in demo

    authorize = client.post("/accounts/organisation/", {"email": person["email"]})["Location"]
    page = httpx.get(authorize).text
    assert person["sub"] in page  # a button for each demo person on the provider's page
    back = httpx.post(authorize, data={"sub": person["sub"]}).headers["location"]
    parts = urllib.parse.urlsplit(back)
    assert client.get(f"{parts.path}?{parts.query}")["Location"] == "/accounts/3rdparty/signup/"
    client.post(
        "/accounts/3rdparty/signup/",
        {"name": person["name"], "visibility": "members", "email_visibility": "members"},
    )

    profile = Profile.objects.get(member__email=person["email"])
    assert profile.job_title == person["job_title"]
    assert profile.organisation.slug == sso_demo.DEMO_ORGANISATION
    assert client.session["network_sso_mfa"] is True
