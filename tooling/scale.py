"""A national-scale network for benchmarks: tens of thousands of fictional members and a year of
their activity, built with bulk inserts so it takes minutes, not hours.

The same arguments always give the same network (one seeded random generator), so figures from
two runs compare. Everyone is fictional, at scale.example.org.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Avg
from django.utils import timezone

from base.queries import per_row
from bulletins.models import Bulletin
from communities.models import Community, Membership, Post, Thread
from communities.services import communities_index, threads_index
from events.models import Event, Feedback, Registration
from events.services import events_index
from members.models import Organisation, Profile, Region, Topic, User
from members.roles import COORDINATORS, CURATORS
from members.services import profiles_index
from mentoring.models import Match, MentoringRequest
from projects import spc
from projects.measures import latest_verdict
from projects.models import (
    ChangeIdea,
    Cycle,
    Driver,
    Measure,
    Phase,
    Project,
    Sample,
    TeamMember,
)
from projects.services import projects_index
from resources.indexing import resources_index
from resources.models import Rating, Resource, Use
from search.services import words_refresh
from tooling.demo.seeding import FIRST_NAMES, LAST_NAMES, SECTORS, seed_topics

DOMAIN = "scale.example.org"
BATCH = 5000

SUBJECTS = [
    "falls",
    "frailty",
    "discharge",
    "dementia",
    "huddles",
    "sepsis",
    "medicines",
    "carers",
    "flow",
    "deterioration",
    "pressure-ulcers",
    "nutrition",
    "delirium",
    "handover",
    "palliative-care",
    "prescribing",
    "continence",
    "wellbeing",
    "safeguarding",
    "reablement",
]


@dataclass(frozen=True)
class Size:
    members: int = 20_000
    organisations: int = 300
    communities: int = 400
    posts: int = 50_000  # threads and replies together, five posts to a thread
    events: int = 3_000
    registrations: int = 60_000
    mentoring: int = 5_000
    resources: int = 20_000
    projects: int = 2_000

    def scaled(self, factor: float) -> Size:
        return Size(*(max(10, round(getattr(self, part.name) * factor)) for part in fields(self)))


def seed_scale(size: Size, *, seed: int = 2026, say: Callable[[str], None] = print) -> None:
    chooser = random.Random(seed)  # noqa: S311 (a repeatable network, not a secret)
    now = timezone.now()
    year_ago = now - timedelta(days=365)

    def moment_after(start):
        start = max(start, year_ago)
        return start + (now - start) * chooser.random()

    with transaction.atomic():
        topics = seed_topics()  # the demo's vocabulary, about as many topics as a real one
        say(f"{size.organisations} organisations…")
        kinds, regions = list(Organisation.Kind), [r for r in Region if r != Region.NATIONAL]
        organisations = Organisation.objects.bulk_create(
            Organisation(
                name=f"Scale organisation {number:04d}",
                slug=f"scale-organisation-{number:04d}",
                kind=kinds[number % len(kinds)],
                region=Region.NATIONAL if number % 25 == 0 else regions[number % len(regions)],
            )
            for number in range(size.organisations)
        )

        say(f"{size.members} members…")
        users = User.objects.bulk_create(
            (
                User(
                    email=f"member{number:05d}@{DOMAIN}",
                    name=f"{chooser.choice(FIRST_NAMES)} {chooser.choice(LAST_NAMES)}",
                    password="!",  # unusable: nobody signs in as these members
                    date_joined=now - timedelta(days=chooser.randint(1, 500)),
                )
                for number in range(size.members)
            ),
            batch_size=BATCH,
        )
        EmailAddress.objects.bulk_create(
            (
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users
            ),
            batch_size=BATCH,
        )
        coordinators = users[:: max(1, size.members // 20)]
        curators = users[7 :: max(1, size.members // 10)]
        Group.objects.get_or_create(name=COORDINATORS)[0].user_set.add(*coordinators)
        Group.objects.get_or_create(name=CURATORS)[0].user_set.add(*curators)
        organisation_of = {}
        profiles = []
        for number, user in enumerate(users):
            organisation = chooser.choice(organisations)
            organisation_of[user.pk] = organisation.pk
            profiles.append(
                Profile(
                    member=user,
                    slug=f"member-{number:05d}",
                    job_title="Improvement adviser",
                    organisation=organisation,
                    sector=SECTORS[organisation.kind],
                    region=organisation.region,
                    bio=f"Works on {chooser.choice(SUBJECTS)} and {chooser.choice(SUBJECTS)}.",
                    open_to_mentoring=chooser.random() < 0.15,
                )
            )
        profiles = Profile.objects.bulk_create(profiles, batch_size=BATCH)
        Profile.interests.through.objects.bulk_create(
            (
                Profile.interests.through(profile=profile, topic=topic)
                for profile in profiles
                for topic in chooser.sample(topics, 2)
            ),
            batch_size=BATCH,
        )
        Profile.expertise.through.objects.bulk_create(
            (
                Profile.expertise.through(profile=profile, topic=topic)
                for profile in profiles
                for topic in chooser.sample(topics, 2)
            ),
            batch_size=BATCH,
        )
        joined = {user.pk: user.date_joined for user in users}

        say(f"{size.communities} communities, {size.posts} posts…")
        privacies = [Community.Privacy.OPEN] * 17 + [Community.Privacy.CLOSED] * 2
        privacies.append(Community.Privacy.SECRET)
        communities = Community.objects.bulk_create(
            Community(
                name=f"Scale community {number:04d}",
                slug=f"scale-community-{number:04d}",
                purpose=f"Members working together on {chooser.choice(SUBJECTS)}.",
                privacy=chooser.choice(privacies),
                created_by=chooser.choice(coordinators if number % 4 else users),
                created_at=now - timedelta(days=chooser.randint(30, 600)),
            )
            for number in range(size.communities)
        )
        Community.topics.through.objects.bulk_create(
            Community.topics.through(community=community, topic=topic)
            for community in communities
            for topic in chooser.sample(topics, 2)
        )
        members_of: dict[int, list[int]] = {}
        memberships = []
        for community in communities:
            people = chooser.sample(users, min(len(users), chooser.randint(20, 280)))
            members_of[community.pk] = [person.pk for person in people]
            memberships += [
                Membership(
                    community=community,
                    member=person,
                    role=Membership.Role.MODERATOR if index == 0 else Membership.Role.MEMBER,
                    joined_at=moment_after(max(joined[person.pk], community.created_at)),
                )
                for index, person in enumerate(people)
            ]
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        threads = Thread.objects.bulk_create(
            (
                Thread(
                    community=community,
                    author_id=chooser.choice(members_of[community.pk]),
                    title=f"How do you approach {chooser.choice(SUBJECTS)}?",
                    created_at=moment_after(year_ago),
                )
                for community in chooser.choices(communities, k=size.posts // 5)
            ),
            batch_size=BATCH,
        )
        posts = []
        for thread in threads:
            people = members_of[thread.community_id]
            moment = thread.created_at
            for number in range(chooser.randint(1, 9)):
                posts.append(
                    Post(
                        thread=thread,
                        author_id=thread.author_id if number == 0 else chooser.choice(people),
                        body="We tried a ten-minute huddle; it helped.",
                        body_html="<p>We tried a ten-minute huddle; it helped.</p>",
                        created_at=moment,
                    )
                )
                moment += timedelta(hours=chooser.randint(1, 48))
        posts = Post.objects.bulk_create(posts, batch_size=BATCH)
        last_post: dict[int, Post] = {}
        replies: dict[int, Post] = {}
        counted: dict[int, int] = {}
        for post in posts:
            counted[post.thread_id] = counted.get(post.thread_id, 0) + 1
            if post.thread_id in last_post and post.thread_id not in replies:
                replies[post.thread_id] = post
            last_post[post.thread_id] = post
        for thread in threads:
            thread.last_post_at = last_post[thread.pk].created_at
            thread.post_count = counted[thread.pk]
            if thread.pk in replies and chooser.random() < 0.3:
                thread.answer = replies[thread.pk]
        Thread.objects.bulk_update(
            threads, ["last_post_at", "post_count", "answer"], batch_size=BATCH
        )

        say(f"{size.events} events, {size.registrations} registrations…")
        events = Event.objects.bulk_create(
            (
                Event(
                    kind=chooser.choice(list(Event.Kind)),
                    title=f"Scale event {number:05d}: {chooser.choice(SUBJECTS)}",
                    slug=f"scale-event-{number:05d}",
                    summary="What teams tried, what worked, and what they would change.",
                    starts_at=(start := now + timedelta(days=chooser.randint(-365, 60))),
                    ends_at=start + timedelta(hours=2),
                    format=Event.Format.ONLINE,
                    organiser=chooser.choice(coordinators if number % 3 else users),
                    visibility=Event.Visibility.MEMBERS,
                    created_at=start - timedelta(days=60),
                )
                for number in range(size.events)
            ),
            batch_size=BATCH,
        )
        registrations = []
        for event in events:
            attendees = chooser.sample(users, size.registrations // size.events)
            past = event.starts_at < now
            registrations += [
                Registration(
                    event=event,
                    member=attendee,
                    status=Registration.Status.CONFIRMED,
                    created_at=event.starts_at - timedelta(days=chooser.randint(1, 50)),
                    attended=past,
                    confirmation_sent_at=now,
                    day_reminder_sent_at=now,
                    hour_reminder_sent_at=now,
                    feedback_requested_at=now if past else None,
                )
                for attendee in attendees
            ]
        registrations = Registration.objects.bulk_create(registrations, batch_size=BATCH)
        starts = {event.pk: event.starts_at for event in events}
        Feedback.objects.bulk_create(
            (
                Feedback(
                    registration=registration,
                    rating=chooser.choice([3, 4, 4, 5, 5]),
                    created_at=starts[registration.event_id] + timedelta(days=1),
                )
                for registration in registrations
                if registration.attended and chooser.random() < 0.4
            ),
            batch_size=BATCH,
        )

        say(f"{size.mentoring} mentoring relationships…")
        pairs = [chooser.sample(users, 2) for _ in range(size.mentoring)]
        requests = MentoringRequest.objects.bulk_create(
            (
                MentoringRequest(
                    mentee=mentee,
                    goals="Grow as an improvement lead.",
                    status=MentoringRequest.Status.MATCHED,
                    created_at=moment_after(joined[mentee.pk]),
                )
                for mentee, _ in pairs
            ),
            batch_size=BATCH,
        )
        Match.objects.bulk_create(
            (
                Match(
                    request=request,
                    mentee=mentee,
                    mentor=mentor,
                    goals="Grow as an improvement lead.",
                    started_at=request.created_at + timedelta(days=chooser.randint(1, 20)),
                )
                for request, (mentee, mentor) in zip(requests, pairs, strict=True)
            ),
            batch_size=BATCH,
        )

        say(f"{size.resources} resources…")
        resources = Resource.objects.bulk_create(
            (
                Resource(
                    title=f"Scale resource {number:05d}: {chooser.choice(SUBJECTS)} in practice",
                    slug=f"scale-resource-{number:05d}",
                    summary="A practical guide from teams across Scotland.",
                    kind=chooser.choice(list(Resource.Kind)),
                    link=f"https://{DOMAIN}/resources/{number}",
                    organisation=chooser.choice(organisations),
                    contributor=chooser.choice(users),
                    published_on=(created := now - timedelta(days=chooser.randint(0, 1000))).date(),
                    audience=Resource.Audience.MEMBERS,
                    status=Resource.Status.PUBLISHED,
                    created_at=created,
                    first_published_at=created,
                )
                for number in range(size.resources)
            ),
            batch_size=BATCH,
        )
        used = {
            (chooser.choice(resources).pk, chooser.choice(users).pk) for _ in range(size.resources)
        }
        Use.objects.bulk_create(
            (
                Use(resource_id=resource, member_id=member, created_at=moment_after(year_ago))
                for resource, member in used
            ),
            batch_size=BATCH,
        )
        Rating.objects.bulk_create(
            (
                Rating(
                    resource_id=resource,
                    member_id=member,
                    stars=chooser.randint(2, 5),
                    created_at=moment_after(year_ago),
                )
                for resource, member in used
            ),
            batch_size=BATCH,
        )

        Resource.objects.update(
            use_count=per_row(Use.objects.all(), "resource"),
            rating_count=per_row(Rating.objects.all(), "resource"),
            rating_average=per_row(Rating.objects.all(), "resource", Avg("stars"), default=None),
        )
        Bulletin.objects.bulk_create(
            Bulletin(
                title=f"Scale eBulletin {month:02d}",
                slug=f"scale-ebulletin-{month:02d}",
                status=Bulletin.Status.SENT,
                created_by=curators[month % len(curators)],
                sent_at=now - timedelta(days=30 * month + 1),
                finished_at=now - timedelta(days=30 * month),
                frozen={"sections": []},
            )
            for month in range(12)
        )

        say(f"{size.projects} improvement projects…")
        seed_projects(
            size.projects,
            chooser=chooser,
            users=users,
            organisations=organisations,
            communities=communities,
            topics=topics,
            now=now,
        )

        say("search vectors and the known words…")
        profiles_index(Profile.objects.all())
        resources_index(Resource.objects.all())
        communities_index(Community.objects.all())
        events_index(Event.objects.all())
        threads_index(Thread.objects.all())
        projects_index(Project.objects.all())
        words_refresh()

    say("table statistics…")
    # Fresh tables have no statistics until autovacuum passes by: meanwhile the planner guesses,
    # and the first benchmark after a seed measured the directory and search at ten times
    # their later cost.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- improvement projects ----------------------------------------------------------------------


def seed_scale_projects(count: int, *, seed: int = 2026, say: Callable[[str], None] = print) -> int:
    """Projects for a network seed_scale built before it made them, on the members, communities
    and organisations already there: how `make bench` brings an older benchmark database up to
    date without building it again."""
    chooser = random.Random(seed + 19)  # noqa: S311 (a repeatable network, not a secret)
    say(f"{count} improvement projects for the network already built…")
    with transaction.atomic():
        seed_projects(
            count,
            chooser=chooser,
            users=list(User.objects.filter(email__endswith=f"@{DOMAIN}").only("pk").order_by("pk")),
            organisations=list(Organisation.objects.order_by("pk")),
            communities=list(Community.objects.order_by("pk")),
            topics=list(Topic.objects.order_by("pk")),
            now=timezone.now(),
        )
        projects_index(Project.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count


PROJECT_CHUNK = 200  # projects built and written at a time, so memory stays flat at any size
LONG_MEASURE = 1_000  # points in the longest measures, as a team sampling daily for years
CHARTS = [chart.value for chart in Measure.Chart]


def is_showcase(number: int) -> bool:
    """Every hundredth project has six measures, one of each chart and a second run chart:
    the project page `make bench` times."""
    return number % 100 == 0


def has_long_measure(number: int) -> bool:
    """Some projects keep a measure of 1,000 points, each kind of chart in turn."""
    return number % 100 == 1


def seed_projects(
    count: int,
    *,
    chooser: random.Random,
    users: list[User],
    organisations: list[Organisation],
    communities: list[Community],
    topics: list,
    now,
) -> None:
    """`count` projects with their teams, driver diagrams, change ideas (some adopted from
    earlier projects), PDSA cycles and measures, written in chunks of PROJECT_CHUNK."""
    today = now.date()
    # Ideas others may adopt, (idea, project): a bounded sample of those written so far.
    originals: list[tuple[int, int]] = []
    for first in range(0, count, PROJECT_CHUNK):
        numbers = range(first, min(count, first + PROJECT_CHUNK))
        projects = Project.objects.bulk_create(
            _project(number, chooser, now, users) for number in numbers
        )
        _project_links(projects, chooser, organisations, communities, topics)
        TeamMember.objects.bulk_create(
            place for project in projects for place in _team(project, chooser, users)
        )
        secondary = _drivers(projects, chooser)
        ideas = ChangeIdea.objects.bulk_create(
            idea for project in projects for idea in _ideas(project, chooser, secondary[project.pk])
        )
        _spread(ideas, originals, chooser)
        Cycle.objects.bulk_create(
            (cycle for idea in ideas for cycle in _cycles(idea, chooser, today)),
            batch_size=BATCH,
        )
        plans = [
            (project, position, chart, points)
            for project, number in zip(projects, numbers, strict=True)
            for position, (chart, points) in enumerate(_measure_plans(number, chooser))
        ]
        measures = Measure.objects.bulk_create(
            _measure(project, position, chart, points, chooser)
            for project, position, chart, points in plans
        )
        phases = []
        samples = io.StringIO()
        for measure, (_, _, chart, points) in zip(measures, plans, strict=True):
            made = _samples(measure, chart, points, chooser, today)
            samples.writelines(made.lines)
            if made.phase:
                phases.append(Phase(measure=measure, starts_on=made.phase, label="A new way"))
            # What the measure's chart shows, kept as entering its figures would keep it.
            measure.verdict, measure.verdict_since = latest_verdict(
                spc.analyse(
                    chart=chart,
                    samples=made.figures,
                    rules=measure.rules,
                    direction=measure.direction,
                    freeze=measure.baseline,
                    parts=[made.phase] if made.phase else [],
                )
            )
            measure.analysed_at = now
        _copy_samples(samples)
        Phase.objects.bulk_create(phases)
        Measure.objects.bulk_update(
            measures, ["baseline", "verdict", "verdict_since", "analysed_at"], batch_size=BATCH
        )


def _project(number: int, chooser: random.Random, now, users) -> Project:
    subject = chooser.choice(SUBJECTS).replace("-", " ")
    visibility = chooser.choices(list(Project.Visibility), weights=[1, 7, 2])[0]
    if is_showcase(number) or has_long_measure(number):
        # The benchmark's member may read these.
        visibility = Project.Visibility.MEMBERS
    started = now - timedelta(days=chooser.randint(60, 1200))
    return Project(
        title=f"Scale project {number:04d}: better {subject}",
        slug=f"scale-project-{number:04d}",
        aim=f"Improve {subject} for the people we care for by a third within two years.",
        summary="Tests of change on one ward or team first, then spread.",
        status=chooser.choice(list(Project.Status)),
        level=chooser.choice(list(Project.Level)),
        visibility=visibility,
        public_charts=visibility == Project.Visibility.PUBLIC and chooser.random() < 0.5,
        started_on=started.date(),
        created_by=chooser.choice(users),
        created_at=started,
        updated_at=started + (now - started) * chooser.random(),
    )


def _project_links(projects, chooser, organisations, communities, topics) -> None:
    Project.organisations.through.objects.bulk_create(
        Project.organisations.through(project=project, organisation=organisation)
        for project in projects
        for organisation in chooser.sample(organisations, chooser.randint(1, 2))
    )
    Project.topics.through.objects.bulk_create(
        Project.topics.through(project=project, topic=topic)
        for project in projects
        for topic in chooser.sample(topics, chooser.randint(1, 3))
    )
    Project.communities.through.objects.bulk_create(
        Project.communities.through(project=project, community=community)
        for project in projects
        for community in chooser.sample(communities, chooser.randint(0, 2))
    )


def _team(project: Project, chooser: random.Random, users) -> list[TeamMember]:
    others = [person for person in chooser.sample(users, 6) if person.pk != project.created_by_id]
    places = [TeamMember(project=project, member_id=project.created_by_id, role="lead")]
    places += [
        TeamMember(project=project, member=person, role="member")
        for person in others[: chooser.randint(1, 4)]
    ]
    if chooser.random() < 0.4:
        places.append(TeamMember(project=project, member=others[-1], role="sponsor"))
    return places


def _drivers(projects, chooser) -> dict[int, list[Driver]]:
    primaries = Driver.objects.bulk_create(
        Driver(project=project, text=f"Primary driver {position + 1}", position=position)
        for project in projects
        for position in range(chooser.randint(2, 3))
    )
    secondaries = Driver.objects.bulk_create(
        Driver(
            project_id=primary.project_id,
            parent=primary,
            text=f"Secondary driver {primary.position + 1}.{position + 1}",
            position=position,
        )
        for primary in primaries
        for position in range(chooser.randint(1, 3))
    )
    by_project: dict[int, list[Driver]] = {}
    for driver in secondaries:
        by_project.setdefault(driver.project_id, []).append(driver)
    return by_project


def _ideas(project, chooser, drivers) -> list[ChangeIdea]:
    ideas = []
    for position in range(chooser.randint(2, 5)):
        ideas.append(
            ChangeIdea(
                project=project,
                driver=chooser.choice(drivers),
                title=f"Change idea {position + 1}: a {chooser.choice(SUBJECTS)} checklist",
                slug=f"{project.slug}-idea-{position + 1}",
                description="What we will try, and who tries it first.",
                position=position,
                created_at=project.created_at,
            )
        )
    return ideas


def _spread(ideas: list[ChangeIdea], originals: list[tuple[int, int]], chooser) -> None:
    """About one idea in ten adopts one of another project's; others join the ideas that may
    be adopted (an adoption always names the original, never another adoption)."""
    adopting = []
    for idea in ideas:
        if chooser.random() < 0.2:
            if len(originals) < 500:
                originals.append((idea.pk, idea.project_id))
            else:
                originals[chooser.randrange(500)] = (idea.pk, idea.project_id)
        elif originals and chooser.random() < 0.12:
            original, project = chooser.choice(originals)
            if project != idea.project_id:
                idea.adopted_from_id = original
                adopting.append(idea)
    ChangeIdea.objects.bulk_update(adopting, ["adopted_from"], batch_size=BATCH)


def _cycles(idea, chooser, today) -> list[Cycle]:
    cycles = []
    started = today - timedelta(days=chooser.randint(30, 600))
    for number in range(1, chooser.randint(0, 5) + 1):
        finished = started + timedelta(days=14)
        done = finished < today
        cycles.append(
            Cycle(
                idea=idea,
                number=number,
                question="Will the checklist be used on every shift?",
                prediction="On four shifts out of five.",
                plan="One ward for two weeks.",
                done="Tried on one ward." if done else "",
                started_on=started,
                finished_on=finished if done else None,
                study="Used on most shifts; one step was skipped at night." if done else "",
                decision=chooser.choice(["adopt", "adapt", "adapt", "abandon"]) if done else "",
                next_steps="Try it on nights." if done else "",
                created_at=timezone.make_aware(datetime.combine(started, time(9))),
            )
        )
        started = finished + timedelta(days=chooser.randint(3, 30))
    return cycles


def _measure_plans(number: int, chooser) -> list[tuple[str, int]]:
    if is_showcase(number):
        return [(chart, 24) for chart in [*CHARTS, "run"]]
    plans = [
        (chooser.choice(CHARTS), chooser.randint(12, 40)) for _ in range(chooser.randint(1, 4))
    ]
    if has_long_measure(number):
        plans[0] = (CHARTS[(number // 100) % len(CHARTS)], LONG_MEASURE)
    return plans


def _measure(project, position, chart, points, chooser) -> Measure:
    return Measure(
        project=project,
        title=f"Measure {position + 1}: {chooser.choice(SUBJECTS)} ({chart} chart)",
        kind=chooser.choice(list(Measure.Kind)),
        definition="Counted from the ward's records at the end of each period.",
        unit="%" if chart == "run" else "",
        position=position,
        direction=chooser.choice(list(Measure.Direction)),
        chart=chart,
        rules=Measure.Rules.IHI if chart == "run" else Measure.Rules.MDC,
        period=Measure.Period.SAMPLE if points >= LONG_MEASURE else Measure.Period.MONTH,
        created_at=project.created_at,
    )


@dataclass
class _Made:
    lines: list[str]  # the samples as COPY lines, in the order of SAMPLE_COLUMNS
    figures: list[spc.Sample]  # the same, for the analysis
    phase: date | None = None


SAMPLE_COLUMNS = ("measure_id", "period", "value", "numerator", "denominator", "note")


def _copy_samples(lines: io.StringIO) -> None:
    # A chunk's 15,000 samples or so, streamed to PostgreSQL in one COPY: as model instances
    # through bulk_create they took three quarters of the projects' seeding time.
    lines.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {Sample._meta.db_table} ({', '.join(SAMPLE_COLUMNS)}) FROM STDIN",
            lines,
        )


def _samples(measure: Measure, chart: str, points: int, chooser, today) -> _Made:
    """Noise around a level; for some control charts, a step to a better level for the last
    points after a frozen baseline, far enough that every point after it lies on the better
    side of the baseline's centre line: a shift that makes the measure an improvement."""
    if points >= LONG_MEASURE:
        dates = [today - timedelta(days=points - offset) for offset in range(points)]
    else:
        dates = [_month_before(today, points - offset) for offset in range(points)]
    level = {"p": 0.5, "u": 4.0, "c": 20.0}.get(chart, 50.0)
    spread = level * 0.2
    better = 1 if measure.direction == Measure.Direction.UP else -1
    step = (
        points - chooser.randint(7, 10)
        if chart != "run" and points >= 24 and chooser.random() < 0.4
        else None
    )
    made = _Made(lines=[], figures=[])
    for index, period in enumerate(dates):
        centre = level + (better * spread * 2.5 if step is not None and index >= step else 0)
        amount = centre + chooser.uniform(-spread, spread)
        value = numerator = denominator = None
        if chart == "p":
            denominator = chooser.randint(30, 90)
            numerator = round(amount * denominator)
        elif chart == "u":
            denominator = round(chooser.uniform(2, 6), 1)
            numerator = round(amount * denominator)
        else:
            value = round(amount) if chart == "c" else round(amount, 1)
        figures = (value, numerator, denominator)
        # COPY's text format: tab-separated, \N for nothing.
        copied = "\t".join(r"\N" if figure is None else str(figure) for figure in figures)
        made.lines.append(f"{measure.pk}\t{period}\t{copied}\t\n")
        made.figures.append(spc.Sample(period, *(_float(figure) for figure in figures)))
    if step is not None:
        measure.baseline = step
    elif points >= 24 and chooser.random() < 0.1:
        made.phase = dates[points // 2]
    return made


def _float(figure: float | None) -> float | None:
    return None if figure is None else float(figure)


def _month_before(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, 1)
