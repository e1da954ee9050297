import pytest

from communities.models import Community, Membership
from communities.services import community_create, reply_create, thread_start
from tests.factories import MemberFactory, ProfileFactory


def make_community(founder, name="Frailty Improvement Network", privacy="open", **fields):
    community = Community(
        name=name,
        slug=name.lower().replace(" ", "-").replace("'", ""),
        privacy=privacy,
        purpose=fields.pop("purpose", f"{name}: sharing what works, together."),
        **fields,
    )
    return community_create(founder=founder, community=community)


def join(community, member, role=Membership.Role.MEMBER):
    return Membership.objects.create(community=community, member=member, role=role)


@pytest.fixture
def moderator(db):
    """Founded the communities below, so moderates them."""
    return ProfileFactory(member__name="Moira Moderator", slug="moira-moderator").member


@pytest.fixture
def participant(db):
    """An ordinary member of the communities below."""
    return ProfileFactory(member__name="Pat Participant", slug="pat-participant").member


@pytest.fixture
def stranger(db):
    """A signed-in member of the network who belongs to none of the communities below."""
    return ProfileFactory(member__name="Stan Stranger", slug="stan-stranger").member


@pytest.fixture
def open_community(moderator, participant):
    community = make_community(moderator, "Frailty Improvement Network")
    join(community, participant)
    return community


@pytest.fixture
def closed_community(moderator, participant):
    community = make_community(moderator, "QI Coaches Circle", privacy="closed")
    join(community, participant)
    return community


@pytest.fixture
def secret_community(moderator, participant):
    community = make_community(moderator, "Board Improvement Leads", privacy="secret")
    join(community, participant)
    return community


@pytest.fixture
def closed_thread(closed_community, participant, moderator):
    thread = thread_start(
        community=closed_community,
        author=participant,
        title="Coaching a reluctant team",
        body="How do you start?",
    )
    reply_create(thread=thread, author=moderator, body="Listen first.")
    return thread


__all__ = ["MemberFactory", "join", "make_community"]
