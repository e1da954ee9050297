"""Demo stories of change and two years of self-assessment for seed_demo."""

from datetime import timedelta

from django.utils import timezone

from communities.models import Community
from insights.models import Assessment, Feature, Story
from members.models import User

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
RATINGS = {
    2025: [3, 2, 2, 3, 3],
    2026: [4, 3, 3, 4, 4],
}


def seed(members: list[User]) -> int:
    coordinator = User.objects.filter(email="coordinator@example.org").first()
    community = Community.objects.exclude(privacy=Community.Privacy.SECRET).first()
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
    return len(STORIES)
