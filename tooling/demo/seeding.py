"""A believable demo network for local runs: real Scottish organisations, fictional people.

Idempotent: running it again updates what it made and adds nothing twice. Later capabilities add
their own demo data (communities, events, mentoring, resources) from their seed functions here.
"""

import csv
import random
import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from communities.models import Thread
from communities.services import threads_index
from events.models import Event
from events.services import events_index
from members.models import Notification, Organisation, Profile, Region, Sector, Topic, User
from members.roles import COORDINATORS, CURATORS
from members.services import profile_index, profile_slug
from search.services import words_refresh
from tooling.demo import bulletins as bulletin_demo
from tooling.demo import communities as community_demo
from tooling.demo import events as event_demo
from tooling.demo import insights as insight_demo
from tooling.demo import mentoring as mentoring_demo
from tooling.demo import projects as project_demo
from tooling.demo import resources as resource_demo

SEED_DIR = Path(__file__).resolve().parents[1] / "seed"
DEMO_PASSWORD = "improve-together"
MEMBER_COUNT = 150

ORGANISATION_KINDS = {
    "health board": Organisation.Kind.HEALTH_BOARD,
    "health and social care partnership": Organisation.Kind.PARTNERSHIP,
    "council": Organisation.Kind.COUNCIL,
    "third sector": Organisation.Kind.THIRD_SECTOR,
    "independent sector": Organisation.Kind.INDEPENDENT_SECTOR,
    "academic": Organisation.Kind.ACADEMIC,
    "national body": Organisation.Kind.NATIONAL_BODY,
}

# (e-mail, name, job title, organisation, role group, is admin, open to mentoring)
DEMO_ACCOUNTS = [
    (
        "admin@example.org",
        "Alex Admin",
        "Platform administrator",
        "Healthcare Improvement Scotland",
        None,
        True,
        False,
    ),
    (
        "coordinator@example.org",
        "Chris Coordinator",
        "Network coordinator",
        "Healthcare Improvement Scotland",
        COORDINATORS,
        False,
        False,
    ),
    (
        "curator@example.org",
        "Kirsty Curator",
        "Knowledge and information lead",
        "NHS Education for Scotland",
        CURATORS,
        False,
        False,
    ),
    (
        "mentor@example.org",
        "Morag Mentor",
        "Senior improvement advisor",
        "NHS Lothian",
        None,
        False,
        True,
    ),
    (
        "member@example.org",
        "Sam Member",
        "Occupational therapist",
        "Fife Health and Social Care Partnership",
        None,
        False,
        False,
    ),
]

FIRST_NAMES = [
    "Ailsa",
    "Alasdair",
    "Amira",
    "Callum",
    "Catriona",
    "Duncan",
    "Eilidh",
    "Euan",
    "Fiona",
    "Fraser",
    "Gillian",
    "Hamish",
    "Iona",
    "Isla",
    "Jamie",
    "Kenneth",
    "Lorna",
    "Mairi",
    "Malcolm",
    "Niamh",
    "Niall",
    "Priya",
    "Rhona",
    "Ross",
    "Ruaridh",
    "Shona",
    "Stuart",
    "Tariq",
    "Uzma",
    "Yvonne",
]
LAST_NAMES = [
    "Anderson",
    "Baird",
    "Buchanan",
    "Cameron",
    "Chaudhry",
    "Docherty",
    "Ferguson",
    "Fraser",
    "Gillies",
    "Grant",
    "Henderson",
    "Kerr",
    "MacDonald",
    "MacKenzie",
    "MacLeod",
    "McIntyre",
    "Morrison",
    "Munro",
    "Murray",
    "Ogilvie",
    "Patel",
    "Reid",
    "Ross",
    "Sinclair",
    "Stewart",
    "Sutherland",
    "Wallace",
]
JOB_TITLES = {
    Organisation.Kind.HEALTH_BOARD: [
        "Charge nurse",
        "Consultant geriatrician",
        "Quality improvement advisor",
        "Advanced nurse practitioner",
        "Clinical lead for unscheduled care",
        "Pharmacist",
        "Physiotherapist",
        "Data analyst",
    ],
    Organisation.Kind.PARTNERSHIP: [
        "Locality manager",
        "Service manager, community health",
        "Social worker",
        "Care at home manager",
        "Planning and performance officer",
        "Occupational therapist",
    ],
    Organisation.Kind.COUNCIL: [
        "Team leader, adult social care",
        "Housing support officer",
        "Commissioning officer",
        "Service development officer",
    ],
    Organisation.Kind.THIRD_SECTOR: [
        "Development officer",
        "Carers support worker",
        "Volunteer coordinator",
        "Policy officer",
    ],
    Organisation.Kind.INDEPENDENT_SECTOR: ["Care home manager", "Registered nurse, care home"],
    Organisation.Kind.ACADEMIC: [
        "Lecturer in nursing",
        "Research fellow",
        "Professor of health services research",
    ],
    Organisation.Kind.NATIONAL_BODY: [
        "Improvement advisor",
        "Programme manager",
        "Senior evaluation officer",
        "Clinical advisor",
    ],
}


SECTORS = {
    Organisation.Kind.HEALTH_BOARD: Sector.NHS,
    Organisation.Kind.PARTNERSHIP: Sector.LOCAL_AUTHORITY,
    Organisation.Kind.COUNCIL: Sector.LOCAL_AUTHORITY,
    Organisation.Kind.THIRD_SECTOR: Sector.THIRD_SECTOR,
    Organisation.Kind.INDEPENDENT_SECTOR: Sector.INDEPENDENT_SECTOR,
    Organisation.Kind.ACADEMIC: Sector.ACADEMIC,
    Organisation.Kind.NATIONAL_BODY: Sector.GOVERNMENT,
}
LOCALITIES = {
    Region.NORTH: ["Inverness", "Aberdeen", "Dundee", "Perth", "Elgin", "Kirkwall", "Lerwick"],
    Region.EAST: ["Edinburgh", "Kirkcaldy", "Dunfermline", "Galashiels", "Livingston"],
    Region.WEST: ["Glasgow", "Paisley", "Ayr", "Dumfries", "Stirling", "Motherwell", "Falkirk"],
    Region.NATIONAL: ["Edinburgh", "Glasgow", "Works across Scotland"],
}
FREE_EXPERTISE = [
    "Hospital at home",
    "Discharge to assess",
    "Technology enabled care",
    "Huddles",
    "Appreciative inquiry",
    "Logic models",
    "Whole system modelling",
    "Peer support",
]
BIO_OPENINGS = [
    "I lead a small team testing changes to {topic} in {place}.",
    "Most of my work is on {topic}; we have run PDSA cycles with three wards so far.",
    "I joined the network to learn from others working on {topic}.",
    "Over the last two years our partnership has redesigned its approach to {topic}.",
]
BIO_CLOSINGS = [
    "Happy to share our run charts and what did not work.",
    "I would like to hear from anyone measuring outcomes that matter to people.",
    "Ask me about co-producing changes with families and carers.",
    "Currently writing up a case study for the resource library.",
]


class Command(BaseCommand):
    help = (
        "Create or refresh the demo network: organisations, topics, about 150 fictional members "
        "and what they do together."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo is for local runs; DEBUG is off. Add --force if you are sure."
            )
        # A server anyone can reach must not have an admin whose password is in the README.
        password = DEMO_PASSWORD if settings.DEBUG else secrets.token_urlsafe(12)
        with transaction.atomic():
            organisations = seed_organisations()
            topics = seed_topics()
            members = seed_members(organisations, topics, password)
            communities = community_demo.seed(members)
            events = event_demo.seed(members)
            mentors = mentoring_demo.seed(members)
            resources = resource_demo.seed(members)
            bulletin_demo.seed(members, resources)
            projects = project_demo.seed(members)
            insight_demo.seed(members)
            insight_demo.age_activity(members)
            # Demo rows made directly, not through the services that index them as they go.
            events_index(Event.objects.all())
            threads_index(Thread.objects.all())
            words_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network ready: {len(organisations)} organisations, {len(topics)} topics, "
                f"{len(members)} members, {len(communities)} communities, {len(events)} events, "
                f"{mentors} mentors, {len(resources)} resources, "
                f"{len(projects)} improvement projects."
            )
        )
        self.stdout.write(
            f"Demo accounts (e-mail addresses verified), all with the password {password!r}:"
        )
        for email, name, *_ in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<26} {name}")


def seed_organisations() -> dict[str, Organisation]:
    organisations = {}
    with open(SEED_DIR / "organisations.csv", newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            organisation, _ = Organisation.objects.update_or_create(
                slug=slugify(row["name"]),
                defaults={
                    "name": row["name"],
                    "kind": ORGANISATION_KINDS[row["type"]],
                    "region": Region(row["region"].lower()),
                    "health_board_area": row["health_board_area"],
                },
            )
            organisations[organisation.name] = organisation
    return organisations


def seed_topics() -> list[Topic]:
    names = (SEED_DIR / "topics.txt").read_text(encoding="utf-8").splitlines()
    return [
        Topic.objects.update_or_create(slug=slugify(name), defaults={"name": name})[0]
        for name in names
        if name.strip()
    ]


def seed_members(
    organisations: dict[str, Organisation], topics: list[Topic], password: str
) -> list[User]:
    # One hash for every demo person: hashing 150 passwords one by one takes most of a minute.
    password_hash = make_password(password)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (COORDINATORS, CURATORS)}
    chooser = random.Random(2026)  # noqa: S311 (the same demo people on every run)
    members = []

    for email, name, job_title, organisation_name, group, is_admin, mentors in DEMO_ACCOUNTS:
        organisation = organisations[organisation_name]
        member = _member(email, name, password_hash, is_admin=is_admin, demo=True)
        if group:
            member.groups.add(groups[group])
        _profile(
            member, job_title, organisation, chooser.sample(topics, 3), mentors, chooser, topics
        )
        members.append(member)

    organisation_list = list(organisations.values())
    # Two people of the same name would look like a duplicate account in the directory.
    names = {member.name for member in members}
    while len(members) < MEMBER_COUNT:
        number = len(members)
        first, last = chooser.choice(FIRST_NAMES), chooser.choice(LAST_NAMES)
        if f"{first} {last}" in names:
            continue
        names.add(f"{first} {last}")
        organisation = chooser.choice(organisation_list)
        member = _member(
            f"{first}.{last}.{number}@example.org".lower(), f"{first} {last}", password_hash
        )
        # A few coordinators and curators across the regions, as a real network has.
        if number % 37 == 0:
            member.groups.add(groups[COORDINATORS])
        elif number % 41 == 0:
            member.groups.add(groups[CURATORS])
        _profile(
            member,
            chooser.choice(JOB_TITLES[organisation.kind]),
            organisation,
            chooser.sample(topics, chooser.randint(1, 4)),
            mentors=chooser.random() < 0.2,
            chooser=chooser,
            topics=topics,
        )
        members.append(member)
    _welcome_notifications(members[: len(DEMO_ACCOUNTS)])
    return members


def _welcome_notifications(demo_accounts: list[User]) -> None:
    for member in demo_accounts:
        Notification.objects.get_or_create(
            recipient=member,
            kind="welcome",
            defaults={
                "message": "Welcome to the network: tell colleagues what you know.",
                "url": "/members/me/edit/",
            },
        )


def _member(
    email: str, name: str, password_hash: str, *, is_admin: bool = False, demo: bool = False
) -> User:
    member, created = User.objects.get_or_create(
        email=email,
        defaults={
            "name": name,
            "password": password_hash,
            "is_staff": is_admin,
            "is_superuser": is_admin,
        },
    )
    if not created and (member.name != name or demo):
        member.name = name
        # The demo accounts always take the password this run printed.
        if demo:
            member.password = password_hash
        member.save(update_fields=["name", "password"])
    EmailAddress.objects.update_or_create(
        user=member, email=email, defaults={"verified": True, "primary": True}
    )
    return member


def _profile(
    member: User,
    job_title: str,
    organisation: Organisation,
    expertise: list[Topic],
    mentors: bool,
    chooser: random.Random,
    topics: list[Topic],
) -> None:
    place = chooser.choice(LOCALITIES[Region(organisation.region)])
    bio = (
        chooser.choice(BIO_OPENINGS).format(topic=expertise[0].name.lower(), place=place)
        + " "
        + chooser.choice(BIO_CLOSINGS)
    )
    existing = Profile.objects.filter(member=member).values_list("slug", flat=True).first()
    tags = chooser.sample(FREE_EXPERTISE, 2) if chooser.random() < 0.3 else []
    links = (
        [f"https://example.org/case-studies/{slugify(member.name)}"]
        if chooser.random() < 0.2
        else []
    )
    public = chooser.random() < 0.3
    hides_email = chooser.random() < 0.25
    profile, _ = Profile.objects.update_or_create(
        member=member,
        defaults={
            "slug": existing or profile_slug(member.name, member_id=member.pk),
            "job_title": job_title,
            "organisation": organisation,
            "sector": SECTORS[organisation.kind],
            "region": organisation.region,
            "locality": place,
            "expertise_tags": tags,
            "links": links,
            "bio": bio,
            "open_to_mentoring": mentors,
            "looking_for_mentor": not mentors and chooser.random() < 0.15,
            "visibility": Profile.Visibility.PUBLIC if public else Profile.Visibility.MEMBERS,
            "email_visibility": Profile.EmailVisibility.NOBODY
            if hides_email
            else Profile.EmailVisibility.MEMBERS,
        },
    )
    profile.expertise.set(expertise)
    profile.interests.set(chooser.sample(topics, 2))
    profile_index(profile)
