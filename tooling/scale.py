"""A national-scale network for benchmarks: tens of thousands of fictional members and a year of
their activity, built with bulk inserts so it takes minutes, not hours.

The same arguments always give the same network (one seeded random generator), so figures from
two runs compare. Everyone is fictional, at scale.example.org.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import timedelta

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
from members.models import Organisation, Profile, Region, User
from members.roles import COORDINATORS, CURATORS
from members.services import profiles_index
from mentoring.models import Match, MentoringRequest
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

        say("search vectors and the known words…")
        profiles_index(Profile.objects.all())
        resources_index(Resource.objects.all())
        communities_index(Community.objects.all())
        events_index(Event.objects.all())
        threads_index(Thread.objects.all())
        words_refresh()

    say("table statistics…")
    # Fresh tables have no statistics until autovacuum passes by: meanwhile the planner guesses,
    # and the first benchmark after a seed measured the directory and search at ten times
    # their later cost.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
