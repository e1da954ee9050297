"""The community rules seen from both sides agree, for every kind of community and person."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from communities.models import Community, Membership
from insights.models import Story
from members.roles import ANY_MEMBER
from resources.models import Resource
from tests.factories import MemberFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(coordinator, admin_member):
    return {
        "its member": MemberFactory(name="Ina Inside"),
        "its moderator": MemberFactory(name="Mo Moderator"),
        "another member": MemberFactory(name="Otto Other"),
        "a coordinator": coordinator,
        "an admin": admin_member,
        "a closed account": MemberFactory(name="Cleo Closed", is_active=False),
    }


@pytest.fixture
def communities(people):
    made = {}
    for privacy in Community.Privacy.values:
        made[privacy] = Community.objects.create(
            name=f"A {privacy} community", slug=f"a-{privacy}", purpose="p", privacy=privacy
        )
        Membership.objects.create(community=made[privacy], member=people["its member"])
        Membership.objects.create(
            community=made[privacy], member=people["its moderator"], role="moderator"
        )
        Membership.objects.create(community=made[privacy], member=people["a closed account"])
    return made


def test_who_may_read_a_community_is_the_same_seen_from_either_side(people, communities):
    """readers() tells many people at once (mentions, followers); readable_by answers one
    person's pages and search. Every pair of community and person must agree."""
    disagreements = [
        (privacy, name)
        for (privacy, community), (name, person) in itertools.product(
            communities.items(), people.items()
        )
        if person.is_active
        and (Community.objects.readable_by(person).filter(pk=community.pk).exists())
        != community.readers().filter(pk=person.pk).exists()
    ]

    assert disagreements == []


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("a visitor", {"open"}),
        ("any member", {"open", "closed"}),
        ("another member", {"open", "closed"}),
        ("its member", {"open", "closed", "secret"}),
        ("a coordinator", {"open", "closed"}),
        ("an admin", {"open", "closed", "secret"}),
    ],
)
def test_who_may_know_a_community_exists(people, communities, viewer, sees):
    person = {"a visitor": AnonymousUser(), "any member": ANY_MEMBER}.get(viewer) or people[viewer]

    visible = Community.objects.visible_to(person).values_list("privacy", flat=True)

    assert set(visible) == sees


@pytest.mark.parametrize(
    ("viewer", "hosts"),
    [
        ("another member", set()),
        ("its moderator", {"open", "closed", "secret"}),
        ("a coordinator", {"open", "closed"}),
        ("an admin", {"open", "closed", "secret"}),
    ],
)
def test_whose_events_each_person_may_run(people, communities, viewer, hosts):
    hostable = Community.objects.hostable_by(people[viewer]).values_list("privacy", flat=True)

    assert set(hostable) == hosts


def test_any_member_owns_nothing_even_where_the_owner_is_unknown(db):
    """ANY_MEMBER has no id: matching rows by it must not find those whose owner is unknown
    (a draft whose contributor's row was removed, a story whose teller left)."""
    make_resource("Ownerless draft", status=Resource.Status.DRAFT, contributor=None)
    Story.objects.create(
        author=None, title="Untold", change="c", place="p", result="r", features=["common_purpose"]
    )

    assert not Resource.objects.visible_to(ANY_MEMBER).filter(title="Ownerless draft").exists()
    assert not Story.objects.visible_to(ANY_MEMBER).filter(title="Untold").exists()
