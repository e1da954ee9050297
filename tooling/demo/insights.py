"""Demo stories of change and two years of self-assessment for seed_demo."""

import random
from datetime import datetime, time, timedelta

from django.db.models import Count, Min
from django.utils import timezone

from communities.models import Community, Membership, Post, Thread
from events.models import Feedback, Registration
from insights.models import Assessment, Feature, Story, Target
from members.models import User
from members.roles import ANY_MEMBER
from mentoring.models import Match
from projects.models import Measure as ProjectMeasure
from projects.models import TeamMember
from resources.models import Rating, Resource, Use

STORIES = [
    (
        "Fewer falls after a ward safety huddle",
        "We started a ten-minute huddle at each shift change to name patients at risk of falling.",
        "Ward 12, Victoria Hospital, Kirkcaldy",
        "Falls went from nine a month to four over six months, and staff say handovers are calmer.",
        [Feature.COLLECTIVE_INTELLIGENCE, Feature.COMMUNITY_BUILDING],
        True,
    ),
    (
        "Home from hospital a day sooner",
        "A social worker joined the morning board round, so discharge plans start on day one.",
        "Midlothian Health and Social Care Partnership",
        "The average wait to go home fell by a day; families are told the plan much earlier.",
        [Feature.COOPERATIVE_STRUCTURES, Feature.COMMON_PURPOSE],
        False,
    ),
    (
        "Carers shaped our respite booking",
        "We tested a new respite booking form with six carers before it went live.",
        "A carers' centre in Argyll",
        "Bookings by phone halved and carers told us the form asks only what matters.",
        [Feature.COMMON_PURPOSE, Feature.CRITICAL_MASS],
        True,
    ),
]
# A story told from a demo project, with its chart (tooling/demo/projects.py): the team
# shared it when the chart showed a sustained fall in infections.
PROJECT_STORY = (
    "Residents drink more, and fewer need antibiotics",
    "A tea round four times a day with a choice of six drinks, and staff who sit and drink with"
    " residents, in three Kirkcaldy care homes.",
    "Three care homes in Kirkcaldy, Fife",
    "Urinary tract infections treated with antibiotics fell from about 4.5 to 2 per 1,000"
    " resident days and have stayed there for over a year. Residents choose their drinks.",
    [Feature.COLLECTIVE_INTELLIGENCE, Feature.COMMUNITY_BUILDING],
    "drink-well-stay-well-fife-care-homes",
    "Urinary tract infections treated per 1,000 resident days",
)
# Members the network aims to reach (an admin's demo targets); some are left unset.
TARGETS = [
    (Target.Dimension.REGION, "north", 40),
    (Target.Dimension.REGION, "east", 40),
    (Target.Dimension.REGION, "west", 60),
    (Target.Dimension.ORGANISATION_KIND, "health_board", 30),
    (Target.Dimension.ORGANISATION_KIND, "partnership", 40),
    (Target.Dimension.ORGANISATION_KIND, "third_sector", 20),
    (Target.Dimension.SECTOR, "nhs", 60),
    (Target.Dimension.SECTOR, "local_authority", 40),
    (Target.Dimension.SECTOR, "third_sector", 30),
]
RATINGS = {
    2025: [3, 2, 2, 3, 3],
    2026: [4, 3, 3, 4, 4],
}


def age_activity(members: list[User]) -> None:
    """Spread the demo's activity over the past year, so the measures have a history.

    Times are set from a fixed seed, not shifted, so running seed_demo again gives the same.
    """
    chooser = random.Random(365)  # noqa: S311 (the same history on every run)
    now = timezone.now()
    joined = {}
    for member in members:
        joined[member.pk] = now - timedelta(days=chooser.randint(30, 365))
        User.objects.filter(pk=member.pk).update(date_joined=joined[member.pk])
    for membership in Membership.objects.filter(member__in=members).only("pk", "member_id"):
        start = joined[membership.member_id]
        Membership.objects.filter(pk=membership.pk).update(
            joined_at=start + (now - start) * chooser.random() * 0.5
        )
    for thread in Thread.objects.all().only("pk"):
        opened = now - timedelta(days=chooser.randint(1, 330), hours=chooser.randint(0, 12))
        posts = list(
            Post.objects.filter(thread=thread)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        for number, post in enumerate(posts):
            Post.objects.filter(pk=post).update(created_at=opened + timedelta(hours=5 * number))
        Thread.objects.filter(pk=thread.pk).update(
            created_at=opened, last_post_at=opened + timedelta(hours=5 * max(len(posts) - 1, 0))
        )
    for community in Community.objects.all().only("pk"):
        first_join = Membership.objects.filter(community=community).aggregate(
            first=Min("joined_at")
        )["first"]
        Community.objects.filter(pk=community.pk).update(
            created_at=(first_join or now - timedelta(days=360)) - timedelta(days=7)
        )
    for thread in Thread.objects.annotate(replies=Count("posts")).filter(replies__gt=1).only("pk"):
        if chooser.random() < 0.4:  # some questions got their answer
            second = Post.objects.filter(thread=thread).order_by("created_at", "pk")[1]
            Thread.objects.filter(pk=thread.pk).update(answer=second)
    recently = now - timedelta(days=1)
    for registration in Registration.objects.filter(created_at__gte=recently).select_related(
        "event"
    ):
        Registration.objects.filter(pk=registration.pk).update(
            created_at=min(registration.event.starts_at, now)
            - timedelta(days=chooser.randint(2, 40))
        )
    for rating in Rating.objects.all().only("pk"):
        Rating.objects.filter(pk=rating.pk).update(
            created_at=now - timedelta(days=chooser.randint(0, 360))
        )
    for use in Use.objects.all().only("pk"):
        Use.objects.filter(pk=use.pk).update(
            created_at=now - timedelta(days=chooser.randint(0, 360))
        )
    for resource in Resource.objects.exclude(published_on=None).only("pk", "published_on"):
        Resource.objects.filter(pk=resource.pk).update(
            created_at=timezone.make_aware(datetime.combine(resource.published_on, time(9)))
        )
    for match in Match.objects.all().only("pk"):
        Match.objects.filter(pk=match.pk).update(
            started_at=now - timedelta(days=chooser.randint(0, 300))
        )
    for feedback in Feedback.objects.select_related("registration__event").only(
        "pk", "registration__event__ends_at"
    ):
        Feedback.objects.filter(pk=feedback.pk).update(
            created_at=feedback.registration.event.ends_at + timedelta(days=1)
        )


def seed(members: list[User]) -> int:
    coordinator = User.objects.filter(email="coordinator@example.org").first()
    community = Community.objects.visible_to(ANY_MEMBER).first()
    now = timezone.now()
    for number, (title, change, place, result, features, mentoring) in enumerate(STORIES):
        Story.objects.get_or_create(
            title=title,
            defaults={
                "author": members[10 + number],
                "change": change,
                "place": place,
                "result": result,
                "features": [feature.value for feature in features],
                "community": community if number == 0 else None,
                "mentoring_helped": mentoring,
                "status": Story.Status.PUBLISHED,
                "reviewed_by": coordinator,
                "published_at": now - timedelta(days=20 * (number + 1)),
            },
        )
    _project_story(coordinator, now)
    for year, ratings in RATINGS.items():
        for feature, rating in zip(Feature, ratings, strict=True):
            Assessment.objects.get_or_create(
                year=year,
                feature=feature.value,
                defaults={
                    "rating": rating,
                    "evidence": "From the coordinators' review of the year's activity and stories.",
                    "recorded_by": coordinator,
                },
            )
    for dimension, value, target in TARGETS:
        Target.objects.get_or_create(dimension=dimension, value=value, defaults={"members": target})
    return len(STORIES) + 1


def _project_story(coordinator, now) -> None:
    title, change, place, result, features, project, measure_title = PROJECT_STORY
    measure = ProjectMeasure.objects.filter(project__slug=project, title=measure_title).first()
    if measure is None:
        return
    lead = TeamMember.objects.filter(project=measure.project, role=TeamMember.Role.LEAD).first()
    Story.objects.update_or_create(
        title=title,
        defaults={
            "author": lead.member if lead else coordinator,
            "change": change,
            "place": place,
            "result": result,
            "features": [feature.value for feature in features],
            "measure": measure,
            "status": Story.Status.PUBLISHED,
            "reviewed_by": coordinator,
            "published_at": now - timedelta(days=6),
        },
    )
