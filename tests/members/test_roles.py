import pytest
from django.contrib.auth.models import AnonymousUser, Group

from members.roles import COORDINATORS, CURATORS, is_admin, is_coordinator, is_curator

pytestmark = pytest.mark.django_db


def test_the_role_groups_exist_from_the_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {COORDINATORS, CURATORS}


def test_each_persona_has_exactly_its_roles(member, coordinator, curator, admin_member):
    assert (is_coordinator(member), is_curator(member), is_admin(member)) == (False, False, False)
    assert (is_coordinator(coordinator), is_curator(coordinator)) == (True, False)
    assert (is_coordinator(curator), is_curator(curator)) == (False, True)
    assert (is_coordinator(admin_member), is_curator(admin_member), is_admin(admin_member)) == (
        True,
        True,
        True,
    )
    assert not is_coordinator(AnonymousUser())


def test_roles_are_read_once_per_request(coordinator, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert is_coordinator(coordinator)
        assert not is_curator(coordinator)
