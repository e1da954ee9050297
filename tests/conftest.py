import os
from types import SimpleNamespace

import pytest
import redis
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.test import Client

from members.roles import COORDINATORS, CURATORS
from members.second_factor import FACTORS
from tests.factories import MemberFactory, give_second_factor

# Playwright drives the browser from an event loop in the test thread; the live server's ORM calls
# from that thread are safe here because nothing else runs in it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium; without these flags it stalls on a closed network reaching Google's hosts.
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests make hundreds of members.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clean_cache(settings):
    """Rate-limit counters live in the Redis cache: each test starts with none.

    Only the cache's own keys go: the Celery queue shares the Redis database, and a running
    `make run` may share the server.
    """
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    for key in client.scan_iter(match=f"{prefix}:*", count=500):
        client.delete(key)
    yield


# --- personas ------------------------------------------------------------------------------


@pytest.fixture
def member(db):
    return MemberFactory(name="Morag Campbell", email="morag.campbell@example.org")


@pytest.fixture
def outsider(db):
    return MemberFactory(name="Outi Sider", email="outi.sider@example.org")


# Staff roles need a second factor (members.second_factor): each staff persona has set up an
# authenticator app. tests/members/test_second_factor.py meets staff who have not.


@pytest.fixture(autouse=True)
def force_login_shows_the_second_factor(monkeypatch):
    """`client.force_login` stands for a whole sign-in: for a member with an authenticator that
    includes the code allauth's sign-in page asks for, recorded in the session as allauth
    records it. tests/members/test_second_factor.py signs in through the pages instead."""
    signed_in = Client.force_login

    def force_login(client, user, backend=None):
        signed_in(client, user, backend)
        authenticator = Authenticator.objects.filter(user=user, type__in=FACTORS).first()
        if authenticator is not None:
            session = client.session
            record_authentication(
                SimpleNamespace(session=session),
                user,
                "mfa",
                id=authenticator.pk,
                type=authenticator.type,
            )
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def coordinator(db):
    person = MemberFactory(name="Chris Coordinator", email="chris.coordinator@example.org")
    person.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])
    give_second_factor(person)
    return person


@pytest.fixture
def curator(db):
    person = MemberFactory(name="Kirsty Curator", email="kirsty.curator@example.org")
    person.groups.add(Group.objects.get_or_create(name=CURATORS)[0])
    give_second_factor(person)
    return person


@pytest.fixture
def admin_member(db):
    person = MemberFactory(
        name="Alex Admin", email="alex.admin@example.org", is_staff=True, is_superuser=True
    )
    give_second_factor(person)
    return person
