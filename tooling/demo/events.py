"""Demo events for seed_demo: past and upcoming of each type, format and region, most open to
visitors, some full with a waiting list, and a masterclass series of three sessions."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify

from events.models import Event, Feedback, Registration, Series
from members.models import User

LONDON = ZoneInfo("Europe/London")

# title, kind, format, days from today, capacity, venue, region, open to visitors
EVENTS = [
    (
        "Spreading frailty screening across a partnership",
        "masterclass",
        "in_person",
        12,
        8,
        "Beardmore Hotel and Conference Centre, Clydebank",
        "west",
        True,
    ),
    ("Run charts in an hour", "webinar", "online", 5, None, "", "national", True),
    (
        "Unscheduled care: learning from the winter",
        "learning_event",
        "hybrid",
        26,
        40,
        "Perth Concert Hall",
        "north",
        True,
    ),
    ("QI coaches' quarterly meeting", "community_meeting", "online", 19, 15, "", "national", False),
    ("Co-producing care with families", "masterclass", "online", 40, 6, "", "east", True),
    (
        "Hospital at home: a year in Lanarkshire",
        "learning_event",
        "in_person",
        33,
        80,
        "Motherwell Concert Hall",
        "west",
        True,
    ),
    (
        "Care at home in remote and rural places",
        "community_meeting",
        "hybrid",
        47,
        30,
        "Kirkwall Town Hall",
        "north",
        True,
    ),
    ("Measuring what matters to people", "webinar", "online", 54, None, "", "national", True),
    (
        "Dementia-friendly wards: sharing the learning",
        "learning_event",
        "hybrid",
        61,
        50,
        "Edinburgh International Conference Centre",
        "east",
        True,
    ),
    (
        "Falls prevention in care homes",
        "masterclass",
        "in_person",
        68,
        20,
        "Dumfries and Galloway College, Dumfries",
        "west",
        True,
    ),
    (
        "Primary care improvement leads' gathering",
        "community_meeting",
        "online",
        75,
        25,
        "",
        "east",
        False,
    ),
    ("Psychological safety in teams", "webinar", "online", 82, None, "", "national", True),
    (
        "Delayed discharge: what worked in 2026",
        "learning_event",
        "in_person",
        -30,
        60,
        "Edinburgh International Conference Centre",
        "east",
        False,
    ),
    ("Measurement for improvement basics", "webinar", "online", -14, None, "", "national", True),
    (
        "Anticipatory care planning in care homes",
        "masterclass",
        "in_person",
        -60,
        20,
        "Inverness College UHI",
        "north",
        False,
    ),
    (
        "Digital champions' autumn meet-up",
        "community_meeting",
        "online",
        -21,
        25,
        "",
        "national",
        True,
    ),
]


def seed(members: list[User]) -> list[Event]:
    chooser = random.Random(777)  # noqa: S311 (the same demo events on every run)
    coordinator = User.objects.get(email="coordinator@example.org")
    demo_member = User.objects.get(email="member@example.org")
    today = timezone.localdate()
    events = []
    for title, kind, fmt, days, capacity, venue, region, public in EVENTS:
        day = today + timedelta(days=days)
        starts = datetime.combine(day, time(10, 0), tzinfo=LONDON)
        event, created = Event.objects.get_or_create(
            slug=slugify(title),
            defaults={
                "title": title,
                "kind": kind,
                "format": fmt,
                "capacity": capacity,
                "venue": venue,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "summary": f"{title}: practical examples from teams across Scotland, "
                "with time for questions.",
                "joining_link": "https://meet.example.org/network" if fmt != "in_person" else "",
                "organiser": coordinator,
                "region": region,
                "visibility": "public" if public else "members",
                "recording_link": "https://video.example.org/network" if days < 0 else "",
            },
        )
        events.append(event)
        if not created:
            continue
        # Small masterclasses fill up with a waiting list; the rest have places left.
        wanted = capacity + 3 if capacity and capacity <= 8 else (capacity or 60) // 2
        people = chooser.sample(members, min(len(members), wanted))
        if days > 0 and capacity and capacity <= 8:
            people.insert(0, demo_member)
        for number, member in enumerate(people):
            full = capacity is not None and number >= capacity
            Registration.objects.get_or_create(
                event=event,
                member=member,
                defaults={
                    "status": Registration.Status.WAITING
                    if full
                    else Registration.Status.CONFIRMED,
                    "attended": days < 0 and not full and chooser.random() < 0.85,
                    # Seeded people are not e-mailed about demo events.
                    "confirmation_sent_at": timezone.now(),
                    "day_reminder_sent_at": timezone.now(),
                    "hour_reminder_sent_at": timezone.now(),
                    "feedback_requested_at": timezone.now(),
                },
            )
    return events + _series(coordinator) + _past_year(members, coordinator, chooser)


SERIES_SESSIONS = [
    ("Measurement for improvement 1: what to measure", 9),
    ("Measurement for improvement 2: run charts", 23),
    ("Measurement for improvement 3: control charts", 37),
]


def _series(coordinator: User) -> list[Event]:
    """A masterclass series of three online sessions, a fortnight apart; the second small
    enough to fill up."""
    series, _ = Series.objects.get_or_create(
        slug="measurement-for-improvement-masterclasses",
        defaults={
            "title": "Measurement for improvement masterclasses",
            "kind": Series.Kind.MASTERCLASS,
            "summary": "Three masterclasses, from choosing measures to reading a control chart. "
            "Come to all three, or to the ones you need.",
            "organiser": coordinator,
            "visibility": "public",
        },
    )
    today = timezone.localdate()
    sessions = []
    for title, days in SERIES_SESSIONS:
        starts = datetime.combine(today + timedelta(days=days), time(14, 0), tzinfo=LONDON)
        session, _ = Event.objects.get_or_create(
            slug=slugify(title),
            defaults={
                "title": title,
                "kind": "masterclass",
                "format": "online",
                "capacity": 4 if days == 23 else 30,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=1, minutes=30),
                "summary": f"{title}: a masterclass with exercises on real data.",
                "joining_link": "https://meet.example.org/network",
                "organiser": coordinator,
                "visibility": "public",
                "region": "national",
                "series": series,
            },
        )
        sessions.append(session)
    return sessions


# A year of held events, about one a month, so insights has attendance and ratings to show.
# Every other one is run by a member rather than the central team.
PAST_YEAR = [
    ("Huddles that stick: a learning session", "learning_event"),
    ("Care home quality improvement meet-up", "community_meeting"),
    ("Using data to spot deterioration", "webinar"),
    ("Carers' voices in service design", "community_meeting"),
    ("Flow and frailty at the front door", "learning_event"),
    ("Primary care improvement exchange", "community_meeting"),
    ("Reducing restrictive practice", "webinar"),
    ("Social prescribing link workers' gathering", "community_meeting"),
    ("Improvement coaching skills", "masterclass"),
    ("Medicines safety in the community", "community_meeting"),
]


def _past_year(members: list[User], coordinator: User, chooser: random.Random) -> list[Event]:
    today = timezone.localdate()
    events = []
    for number, (title, kind) in enumerate(PAST_YEAR):
        starts = datetime.combine(
            today - timedelta(days=45 + 31 * number), time(14, 0), tzinfo=LONDON
        )
        event, created = Event.objects.get_or_create(
            slug=slugify(title),
            defaults={
                "title": title,
                "kind": kind,
                "format": "online",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=1, minutes=30),
                "summary": f"{title}: what teams tried, what worked, and what they would change.",
                "organiser": members[number * 7 % len(members)] if number % 2 else coordinator,
                "visibility": "members",
            },
        )
        events.append(event)
        if not created:
            continue
        for member in chooser.sample(members, min(len(members), chooser.randint(10, 30))):
            registration = Registration.objects.create(
                event=event,
                member=member,
                status=Registration.Status.CONFIRMED,
                attended=True,
                created_at=starts - timedelta(days=chooser.randint(3, 30)),
                confirmation_sent_at=starts,
                day_reminder_sent_at=starts,
                hour_reminder_sent_at=starts,
                feedback_requested_at=starts,
            )
            if chooser.random() < 0.6:
                Feedback.objects.create(
                    registration=registration,
                    rating=chooser.choice([3, 4, 4, 4, 5, 5]),
                    created_at=starts + timedelta(days=1),
                )
    return events
