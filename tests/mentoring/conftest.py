import pytest

from mentoring.models import MentorOffer
from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory


def make_mentor(name, *, areas, capacity=1, organisation=None, **fields):
    profile = ProfileFactory(
        member__name=name,
        organisation=organisation or OrganisationFactory(),
        **{key: fields.pop(key) for key in ("sector", "region") if key in fields},
    )
    offer = MentorOffer.objects.create(
        mentor=profile.member,
        capacity=capacity,
        offer="Practical help with improvement projects.",
        **fields,
    )
    offer.areas.set(areas)
    return profile.member


@pytest.fixture
def topics(db):
    return {
        name: TopicFactory(name=name, slug=name.lower().replace(" ", "-"))
        for name in ("Frailty", "Falls prevention", "Data and evaluation", "Dementia")
    }


@pytest.fixture
def mentee(db):
    return ProfileFactory(
        member__name="Mina Mentee", slug="mina-mentee", region="east", sector="nhs"
    ).member
