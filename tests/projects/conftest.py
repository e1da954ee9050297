from datetime import date

import pytest

from projects.models import ChangeIdea, Cycle, Driver, Measure, Project, Sample, TeamMember
from projects.services import project_create
from tests.factories import OrganisationFactory, ProfileFactory


def make_project(lead, title="Fewer falls on our wards", visibility="members", **fields):
    organisations = fields.pop("organisations", [])
    topics = fields.pop("topics", [])
    # A fixed address where a test names one; otherwise the one a member starting it gets.
    slug = fields.pop("slug", None)
    project = Project(
        title=title,
        aim=fields.pop(
            "aim", "Reduce falls with harm on wards 3 and 4 by 30% by March 2027, for older people."
        ),
        visibility=visibility,
        **fields,
    )
    project = project_create(lead=lead, project=project)
    if slug:
        Project.objects.filter(pk=project.pk).update(slug=slug)
        project.slug = slug
    project.organisations.set(organisations)
    project.topics.set(topics)
    return project


def add_to_team(project, member, role=TeamMember.Role.MEMBER):
    return TeamMember.objects.create(project=project, member=member, role=role)


def make_idea(project, title="Falls huddle at every handover", driver=None, **fields):
    if driver is None:
        primary = Driver.objects.create(project=project, text="Safe care at every handover")
        driver = Driver.objects.create(project=project, parent=primary, text="Shared risk picture")
    slug = fields.pop("slug", f"{project.slug}-{title.lower().replace(' ', '-')}"[:190])
    return ChangeIdea.objects.create(
        project=project, driver=driver, title=title, slug=slug, **fields
    )


def make_cycle(idea, number=1, **fields):
    return Cycle.objects.create(
        idea=idea,
        number=number,
        question=fields.pop("question", "Will a two-minute huddle fit into the handover?"),
        prediction=fields.pop("prediction", "It will, on four days out of five."),
        **fields,
    )


def make_measure(project, title="Falls with harm per 1,000 bed days", values=(), **fields):
    measure = Measure.objects.create(
        project=project,
        title=title,
        definition=fields.pop(
            "definition", "Falls with harm from Datix, per 1,000 occupied bed days."
        ),
        **fields,
    )
    start = date(2025, 1, 1)
    Sample.objects.bulk_create(
        Sample(
            measure=measure,
            period=date(
                start.year + (start.month - 1 + offset) // 12,
                (start.month - 1 + offset) % 12 + 1,
                1,
            ),
            value=value,
        )
        for offset, value in enumerate(values)
    )
    return measure


@pytest.fixture
def lead(db):
    """Leads the projects below."""
    return ProfileFactory(member__name="Lesley Lead", slug="lesley-lead").member


@pytest.fixture
def teammate(db):
    """A team member of the projects below."""
    return ProfileFactory(member__name="Tam Teammate", slug="tam-teammate").member


@pytest.fixture
def sponsor(db):
    """Sponsors the projects below: reads everything, changes nothing."""
    return ProfileFactory(member__name="Sandy Sponsor", slug="sandy-sponsor").member


@pytest.fixture
def bystander(db):
    """A signed-in member of the network on no team."""
    return ProfileFactory(member__name="Bev Bystander", slug="bev-bystander").member


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="NHS Example Borders", slug="nhs-example-borders")


def _team_project(lead, teammate, sponsor, organisation, **fields):
    project = make_project(lead, organisations=[organisation], **fields)
    add_to_team(project, teammate)
    add_to_team(project, sponsor, TeamMember.Role.SPONSOR)
    return project


@pytest.fixture
def members_project(lead, teammate, sponsor, organisation):
    return _team_project(lead, teammate, sponsor, organisation, title="Fewer falls on our wards")


@pytest.fixture
def team_project(lead, teammate, sponsor, organisation):
    return _team_project(
        lead, teammate, sponsor, organisation, title="Quiet discharge pilot", visibility="team"
    )


@pytest.fixture
def public_project(lead, teammate, sponsor, organisation):
    return _team_project(
        lead,
        teammate,
        sponsor,
        organisation,
        title="Timely pressure ulcer checks",
        visibility="public",
    )
