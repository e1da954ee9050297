"""The benchmark network builds, small, from the same code that builds it at national scale."""

import pytest
from django.core.management import CommandError, call_command

from communities.models import Post, Thread
from events.models import Registration
from members.models import User
from members.services import member_profiles
from mentoring.models import Match
from resources.models import Resource

pytestmark = pytest.mark.django_db


def test_seed_scale_builds_every_part_of_the_network_in_proportion():
    call_command("seed_scale", factor=0.01)

    assert member_profiles().count() == 200
    assert Post.objects.count() >= Thread.objects.count() * 2 > 0
    assert Registration.objects.count() > 0 and Match.objects.count() == 50
    assert Resource.objects.filter(rating_count__gt=0).exists()


def test_seed_scale_refuses_a_database_with_members(member):
    with pytest.raises(CommandError, match="has members already"):
        call_command("seed_scale", factor=0.01)
    assert User.objects.count() == 1
