import io

import pytest
from PIL import Image

from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory
from tests.oidc import provider_running, use_providers


@pytest.fixture
def frailty(db):
    return TopicFactory(name="Frailty", slug="frailty")


@pytest.fixture
def falls(db):
    return TopicFactory(name="Falls prevention", slug="falls-prevention")


@pytest.fixture
def lothian(db):
    return OrganisationFactory(name="NHS Lothian", slug="nhs-lothian", kind="health_board")


@pytest.fixture
def owner(db, frailty, lothian):
    """A member with a complete-enough profile: the one whose profile the tests look at."""
    return ProfileFactory(
        member__name="Morag Campbell",
        member__email="morag.campbell@example.org",
        slug="morag-campbell",
        job_title="Frailty practitioner",
        organisation=lothian,
        expertise=[frailty],
    )


def image_bytes(image_format="PNG", size=(800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 101, 189)).save(buffer, format=image_format)
    return buffer.getvalue()


# --- a real OpenID Connect provider (tests/oidc.py) for NHS Example's sign-in ----------------
@pytest.fixture
def board(db):
    return OrganisationFactory(name="NHS Example", slug="nhs-example")


@pytest.fixture
def provider(settings, board):
    with provider_running() as running:
        use_providers(settings, running.config(organisation="nhs-example"))
        yield running
