"""Demo mentoring for seed_demo: mentors, open requests, a cohort waiting list, active pairs."""

import random
from datetime import timedelta

from django.utils import timezone

from members.models import User
from mentoring.models import Approach, Match, Meeting, MentoringRequest, MentorOffer

OFFERS = [
    "Two decades of running improvement projects on busy wards; happy to help you scope yours.",
    "I can help with measurement: run charts, SPC and telling the story with data.",
    "Coaching new improvement leads through their first year.",
]
GOALS = [
    "Scope my first improvement project and choose good measures.",
    "Get better at leading change across a partnership.",
    "Learn to use run charts with my team.",
]


def seed(members: list[User]) -> int:
    if MentorOffer.objects.exists():
        return MentorOffer.objects.count()
    chooser = random.Random(99)  # noqa: S311 (the same demo mentoring on every run)
    mentors = [member for member in members if member.profile.open_to_mentoring]
    for mentor in mentors:
        offer = MentorOffer.objects.create(
            mentor=mentor,
            offer=chooser.choice(OFFERS),
            capacity=chooser.randint(1, 3),
            availability="An hour a month",
        )
        offer.areas.set(list(mentor.profile.expertise.all()))
    mentees = [
        member
        for member in members
        if member.profile.looking_for_mentor and not member.profile.open_to_mentoring
    ]
    now = timezone.now()
    for number, mentee in enumerate(mentees):
        request = MentoringRequest.objects.create(
            mentee=mentee, goals=chooser.choice(GOALS), created_at=now - timedelta(days=20)
        )
        request.areas.set(list(mentee.profile.expertise.all())[:2])
        mentor = mentors[number % len(mentors)]
        if number % 3 == 0:
            # An active pair with a couple of meetings.
            Approach.objects.create(
                request=request,
                mentor=mentor,
                rank=1,
                status="accepted",
                sent_at=now - timedelta(days=19),
                answered_at=now - timedelta(days=18),
            )
            request.status = MentoringRequest.Status.MATCHED
            request.save(update_fields=["status"])
            match = Match.objects.create(
                request=request,
                mentor=mentor,
                mentee=mentee,
                goals=request.goals,
                started_at=now - timedelta(days=18),
            )
            for weeks in (2, 1):
                Meeting.objects.create(
                    match=match,
                    met_on=(now - timedelta(weeks=weeks)).date(),
                    notes="Talked through the project charter.",
                    logged_by=mentor,
                )
        elif number % 3 == 1:
            # Waiting for the mentor's answer.
            Approach.objects.create(
                request=request,
                mentor=mentor,
                rank=1,
                status="pending",
                sent_at=now - timedelta(days=2),
                due_at=now + timedelta(days=5),
            )
        # Otherwise: waiting for a coordinator's cohort.
    return len(mentors)
