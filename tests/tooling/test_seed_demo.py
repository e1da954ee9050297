import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from events.models import Event, Series
from members.models import Organisation, Profile, User
from members.roles import is_admin, is_coordinator, is_curator

pytestmark = pytest.mark.django_db

DEMO_ACCOUNTS = [
    "admin@example.org",
    "coordinator@example.org",
    "curator@example.org",
    "mentor@example.org",
    "member@example.org",
]


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced():
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_builds_a_believable_network_and_is_idempotent(capsys):
    call_command("seed_demo", "--force")
    counts = (User.objects.count(), Organisation.objects.count(), Profile.objects.count())
    call_command("seed_demo", "--force")

    assert (User.objects.count(), Organisation.objects.count(), Profile.objects.count()) == counts
    assert 140 <= counts[0] <= 160
    assert Organisation.objects.filter(kind=Organisation.Kind.HEALTH_BOARD).count() == 14
    assert Organisation.objects.filter(kind=Organisation.Kind.PARTNERSHIP).count() >= 30
    assert Profile.objects.values("organisation__region").distinct().count() == 4
    assert Profile.objects.filter(expertise__isnull=False).distinct().count() == counts[0]
    assert "Demo accounts" in capsys.readouterr().out
    assert User.objects.filter(groups__name="Coordinators").count() > 1
    assert Series.objects.get().sessions.count() == 3


def test_the_demo_shows_a_living_network_of_distinct_fictional_people():
    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force")

    now = timezone.now()
    upcoming = Event.objects.filter(starts_at__gt=now, starts_at__lt=now + timedelta(days=92))
    assert upcoming.count() >= 12
    assert upcoming.filter(visibility="public").count() > upcoming.count() / 2
    assert set(upcoming.values_list("kind", flat=True)) == set(Event.Kind.values)
    assert set(upcoming.values_list("format", flat=True)) == set(Event.Format.values)
    assert set(upcoming.values_list("region", flat=True)) >= {"north", "east", "west", "national"}
    assert not User.objects.values("name").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert not User.objects.exclude(email__endswith="@example.org").exists()


def test_forced_on_a_server_the_demo_accounts_get_a_fresh_password_it_prints(capsys, settings):
    call_command("seed_demo", "--force")
    first = capsys.readouterr().out
    call_command("seed_demo", "--force")
    second = capsys.readouterr().out

    assert "improve-together" not in first + second
    password = re.search(r"the password '([^']+)'", second).group(1)
    assert User.objects.get(email="admin@example.org").check_password(password)


def test_the_demo_accounts_are_verified_and_have_their_roles(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    for email in DEMO_ACCOUNTS:
        account = User.objects.get(email=email)
        assert account.check_password("improve-together")
        assert EmailAddress.objects.get(user=account).verified
    assert is_admin(User.objects.get(email="admin@example.org"))
    assert is_coordinator(User.objects.get(email="coordinator@example.org"))
    assert is_curator(User.objects.get(email="curator@example.org"))
    assert User.objects.get(email="mentor@example.org").profile.open_to_mentoring
    assert not is_coordinator(User.objects.get(email="member@example.org"))
