"""Measures of the five features of effective networks, computed from the network's own activity.

Each measure counts dated things (a join, a reply, a mentoring pair…) month by month over the
chosen period and the one before it, optionally only for members of one region. Nothing from a
secret community is counted: a figure must never reveal that one exists.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from communities.models import Community, Membership, Post, Thread
from events.models import Feedback
from insights.models import Feature
from members.models import User
from members.roles import COORDINATORS
from members.services import member_profiles
from mentoring.models import Match
from resources.models import Resource, Use

LONDON = ZoneInfo("Europe/London")
PERIODS = {3: "the last 3 months", 6: "the last 6 months", 12: "the last 12 months"}


@dataclass(frozen=True)
class Period:
    """Whole calendar months ending with the current one, and the same length before them."""

    months: int
    today: date

    @property
    def month_starts(self) -> list[date]:
        first = _add_months(self.today.replace(day=1), -(self.months - 1))
        return [_add_months(first, offset) for offset in range(self.months)]

    @property
    def start(self) -> datetime:
        return _aware(self.month_starts[0])

    @property
    def end(self) -> datetime:
        return _aware(_add_months(self.month_starts[-1], 1))

    @property
    def previous_start(self) -> datetime:
        """As long before the start as the period has run so far: a month in progress is
        compared with the same number of days, not with whole months."""
        end_of_today = _aware(self.today + timedelta(days=1))
        return self.start - (end_of_today - self.start)


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), LONDON)


@dataclass
class Result:
    value: float
    previous: float | None  # None: nothing to compare with (an average of no ratings)
    series: list[tuple[date, float]] = field(default_factory=list)

    @property
    def change(self) -> float:
        return round(self.value - (self.previous or 0), 2)

    @property
    def size_of_change(self) -> float:
        return abs(self.change)


@dataclass(frozen=True)
class Measure:
    key: str
    feature: Feature
    title: str
    explanation: str
    compute: Callable[[Period, str], Result]
    unit: str = ""
    average: bool = False  # the figure is an average, not a count


# --- building blocks ------------------------------------------------------------------------


def _in_region(queryset: QuerySet, member_path: str, region: str) -> QuerySet:
    if not region:
        return queryset
    return queryset.filter(**{f"{member_path}__profile__region": region})


def _monthly(queryset: QuerySet, date_field: str, period: Period, *, average: str = "") -> Result:
    """Counts (or the average of `average`) per month over the period, and the same for the
    time before it, in one grouped query (three for an average)."""
    since_previous = {f"{date_field}__gte": period.previous_start, f"{date_field}__lt": period.end}
    current = Q(**{f"{date_field}__gte": period.start})
    rows = (
        queryset.filter(**since_previous)
        .annotate(month=TruncMonth(date_field, tzinfo=LONDON))
        .values("month")
        .annotate(
            amount=Avg(average, filter=current) if average else Count("pk", filter=current),
            before=Count("pk", filter=~current),
        )
        .values_list("month", "amount", "before")
    )
    by_month, previous = {}, 0.0
    for month, amount, before in rows:
        by_month[month.date()] = float(amount or 0)
        previous += before
    series = [(month, by_month.get(month, 0.0)) for month in period.month_starts]
    if average:
        # The period's average over all its rows, not an average of monthly averages; None
        # when there was nothing to average.
        def mean(start, end):
            value = queryset.filter(
                **{f"{date_field}__gte": start, f"{date_field}__lt": end}
            ).aggregate(amount=Avg(average))["amount"]
            return None if value is None else round(float(value), 2)

        return Result(
            mean(period.start, period.end) or 0.0, mean(period.previous_start, period.start), series
        )
    return Result(sum(amount for _, amount in series), previous, series)


def _open_communities() -> QuerySet[Community]:
    return Community.objects.exclude(privacy=Community.Privacy.SECRET)


def _members() -> QuerySet[User]:
    # The network's one definition of a member: confirmed address, account open.
    return User.objects.filter(pk__in=member_profiles().values("member_id"))


# --- the measures ---------------------------------------------------------------------------


def interest_matched_joins(period: Period, region: str) -> Result:
    # One row a join, however many of the community's topics the member is interested in.
    shared_topic = Community.topics.through.objects.filter(
        community=OuterRef("community"), topic__interested_members__member=OuterRef("member")
    )
    joins = Membership.objects.filter(community__in=_open_communities()).filter(
        Exists(shared_topic)
    )
    return _monthly(_in_region(joins, "member", region), "joined_at", period)


def member_led_communities(period: Period, region: str) -> Result:
    led = (
        _open_communities()
        .exclude(created_by__groups__name=COORDINATORS)
        .exclude(created_by__is_staff=True)
    )
    return _monthly(_in_region(led, "created_by", region), "created_at", period)


def cross_organisation_mentoring(period: Period, region: str) -> Result:
    pairs = Match.objects.exclude(
        mentor__profile__organisation=F("mentee__profile__organisation")
    ).filter(
        mentor__profile__organisation__isnull=False, mentee__profile__organisation__isnull=False
    )
    return _monthly(_in_region(pairs, "mentee", region), "started_at", period)


def new_members(period: Period, region: str) -> Result:
    members = _members()
    if region:
        members = members.filter(profile__region=region)
    return _monthly(members, "date_joined", period)


def resources_shared(period: Period, region: str) -> Result:
    shared = Resource.objects.filter(status=Resource.Status.PUBLISHED)
    return _monthly(_in_region(shared, "contributor", region), "created_at", period)


def resources_used(period: Period, region: str) -> Result:
    return _monthly(_in_region(Use.objects.all(), "member", region), "created_at", period)


def questions_answered(period: Period, region: str) -> Result:
    # Counted when answered, for the region of whoever answered.
    answers = Post.objects.filter(
        pk__in=Thread.objects.filter(
            answer__isnull=False, community__in=_open_communities()
        ).values("answer_id")
    )
    return _monthly(_in_region(answers, "author", region), "created_at", period)


def event_rating(period: Period, region: str) -> Result:
    feedback = _in_region(Feedback.objects.all(), "registration__member", region)
    return _monthly(feedback, "created_at", period, average="rating")


def mentoring_pairs(period: Period, region: str) -> Result:
    return _monthly(_in_region(Match.objects.all(), "mentee", region), "started_at", period)


def replies(period: Period, region: str) -> Result:
    # A reply is a post after a thread's opening one, by someone other than who opened it.
    earlier = Post.objects.filter(thread=OuterRef("thread"), pk__lt=OuterRef("pk"))
    replies = Post.objects.filter(
        Exists(earlier), state=Post.State.VISIBLE, thread__community__in=_open_communities()
    ).exclude(author=F("thread__author"))  # to one another, not more of one's own thread
    return _monthly(_in_region(replies, "author", region), "created_at", period)


MEASURES = [
    Measure(
        "interest-matched-joins",
        Feature.COMMON_PURPOSE,
        "Joins that match members' interests",
        "Members who joined a community whose topics include one of their stated interests.",
        interest_matched_joins,
    ),
    Measure(
        "member-led-communities",
        Feature.COOPERATIVE_STRUCTURES,
        "Communities started by members",
        "Communities started by members rather than the central team.",
        member_led_communities,
    ),
    Measure(
        "cross-organisation-mentoring",
        Feature.COOPERATIVE_STRUCTURES,
        "Mentoring across organisations",
        "Mentoring relationships whose mentor and mentee work in different organisations.",
        cross_organisation_mentoring,
    ),
    Measure(
        "new-members",
        Feature.CRITICAL_MASS,
        "New members",
        "People who joined and confirmed their e-mail address.",
        new_members,
    ),
    Measure(
        "resources-shared",
        Feature.COLLECTIVE_INTELLIGENCE,
        "Resources shared",
        "Resources added to the library and published.",
        resources_shared,
    ),
    Measure(
        "resources-used",
        Feature.COLLECTIVE_INTELLIGENCE,
        "Resources used in practice",
        "Times members said they used a resource in their practice.",
        resources_used,
    ),
    Measure(
        "questions-answered",
        Feature.COLLECTIVE_INTELLIGENCE,
        "Questions answered",
        "Community threads marked as answered.",
        questions_answered,
    ),
    Measure(
        "event-rating",
        Feature.COLLECTIVE_INTELLIGENCE,
        "Event feedback rating",
        "The average rating attendees gave events, out of 5.",
        event_rating,
        unit="out of 5",
        average=True,
    ),
    Measure(
        "mentoring-pairs",
        Feature.COMMUNITY_BUILDING,
        "Mentoring relationships formed",
        "Mentors and mentees who started working together.",
        mentoring_pairs,
    ),
    Measure(
        "replies",
        Feature.COMMUNITY_BUILDING,
        "Replies in communities",
        "Replies members wrote to one another in community discussions.",
        replies,
    ),
]
MEASURES_BY_KEY = {measure.key: measure for measure in MEASURES}


def bars(series: list[tuple[date, float]], *, width: int = 240, height: int = 64) -> list[dict]:
    """A bar per month for the server-drawn chart, scaled to the largest month."""
    top = max((amount for _, amount in series), default=0) or 1
    slot = width / max(len(series), 1)
    return [
        {
            "x": round(index * slot + slot * 0.15, 1),
            "width": round(slot * 0.7, 1),
            "height": round(height * amount / top, 1),
            "y": round(height - height * amount / top, 1),
            "month": month,
            "amount": amount,
        }
        for index, (month, amount) in enumerate(series)
    ]
