"""Measures of the five features of effective networks, computed from the network's own activity.

Each measure counts dated things (a join, a reply, a mentoring pair…) month by month over the
chosen period and the one before it, or follows a total (members, communities) month end by month
end. A scope narrows the figures to members of one region, one type of organisation or one
community. Nothing from a secret community is counted: a figure must never reveal that one exists.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Trim, TruncMonth
from django.utils import timezone

from bulletins.models import Bulletin
from communities.models import Community, Membership, Post, Thread
from events.models import Event, Feedback, Registration
from insights.models import Feature
from members.models import User
from members.roles import ANY_MEMBER, COORDINATORS
from members.services import member_profiles
from mentoring.models import Match
from projects.models import Measure as ProjectMeasure
from projects.models import Project
from resources.models import Rating, Resource, Use

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


@dataclass(frozen=True)
class Scope:
    """Whose activity the figures count: everyone, or members of one region, one type of
    organisation or one community (or all of these at once)."""

    region: str = ""
    organisation_kind: str = ""
    community: int | None = None  # a community's id

    def narrow(
        self, queryset: QuerySet, member: str, community: str = "", region: str = ""
    ) -> QuerySet:
        """Keep the rows whose member (the path to a user, "" for users themselves) is in
        scope. For a community, rows that belong to a community (a join, a reply) must be in
        that one; other rows must be by its members. Rows with a region of their own (a
        community, an event) name it in `region`, and are narrowed by it rather than by the
        region of whoever started them."""
        prefix = f"{member}__" if member else ""
        if self.region:
            queryset = queryset.filter(**{region or f"{prefix}profile__region": self.region})
        if self.organisation_kind:
            queryset = queryset.filter(
                **{f"{prefix}profile__organisation__kind": self.organisation_kind}
            )
        if self.community:
            if community:
                queryset = queryset.filter(**{community: self.community})
            else:
                its_members = Membership.objects.filter(community=self.community)
                queryset = queryset.filter(**{f"{prefix}pk__in": its_members.values("member_id")})
        return queryset


EVERYONE = Scope()


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
    compute: Callable[[Period, Scope], Result]
    unit: str = ""
    average: bool = False  # the figure is an average, not a count
    total: bool = False  # the figure is a running total at the end of the period
    # About people's own relationships: members see "fewer than 5" rather than a small count.
    sensitive: bool = False
    # Which way is better, for the run chart's signals: every measure so far counts something
    # the network wants more of.
    better: str = "up"


# --- building blocks ------------------------------------------------------------------------


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


def _running_total(queryset: QuerySet, date_field: str, period: Period) -> Result:
    """How many there were at the end of each month (so far, for this one), and at the start
    of the period to compare with, in one query."""
    month_ends = [*(_aware(month) for month in period.month_starts[1:]), timezone.now()]
    counts = queryset.aggregate(
        before=Count("pk", filter=Q(**{f"{date_field}__lt": period.start})),
        **{
            f"by_{index}": Count("pk", filter=Q(**{f"{date_field}__lt": end}))
            for index, end in enumerate(month_ends)
        },
    )
    series = [
        (month, float(counts[f"by_{index}"])) for index, month in enumerate(period.month_starts)
    ]
    return Result(series[-1][1], float(counts["before"]), series)


def _summed(amounts: list[tuple[datetime, int]], period: Period) -> Result:
    """Amounts at moments (an event's pairs of attendees when it started), added up by month."""
    by_month: dict[date, float] = {}
    previous = 0.0
    for moment, amount in amounts:
        if moment >= period.start:
            month = timezone.localtime(moment, LONDON).date().replace(day=1)
            by_month[month] = by_month.get(month, 0.0) + amount
        elif moment >= period.previous_start:
            previous += amount
    series = [(month, by_month.get(month, 0.0)) for month in period.month_starts]
    return Result(sum(amount for _, amount in series), previous, series)


def _central_team(queryset: QuerySet, person: str) -> QuerySet:
    """Leave out what the central team (coordinators, admins) or nobody known started."""
    return (
        queryset.filter(**{f"{person}__isnull": False})
        .exclude(**{f"{person}__groups__name": COORDINATORS})
        .exclude(**{f"{person}__is_staff": True})
        .exclude(**{f"{person}__is_superuser": True})
    )


def _held_events() -> QuerySet[Event]:
    # Events that have taken place that every member may know of (a secret community's meeting
    # must not show up even as a number).
    return _known_events().filter(starts_at__lte=timezone.now())


def _known_events() -> QuerySet[Event]:
    return Event.objects.visible_to(ANY_MEMBER)


def _attending(scope: Scope) -> QuerySet[Registration]:
    return scope.narrow(
        Registration.objects.filter(status=Registration.Status.CONFIRMED), "member"
    ).filter(member__in=_members())


def _open_communities() -> QuerySet[Community]:
    # The communities every member may know exist: figures are shown to all members.
    return Community.objects.visible_to(ANY_MEMBER)


def _members() -> QuerySet[User]:
    # The network's one definition of a member: confirmed address, account open.
    return User.objects.filter(pk__in=member_profiles().values("member_id"))


# --- the measures ---------------------------------------------------------------------------


def communities_with_purpose(period: Period, scope: Scope) -> Result:
    communities = _open_communities().annotate(said=Length(Trim("purpose"))).filter(said__gt=0)
    return _running_total(
        scope.narrow(communities, "created_by", community="pk", region="region"),
        "created_at",
        period,
    )


def interest_matched_joins(period: Period, scope: Scope) -> Result:
    # One row a join, however many of the community's topics the member is interested in.
    shared_topic = Community.topics.through.objects.filter(
        community=OuterRef("community"), topic__interested_members__member=OuterRef("member")
    )
    joins = Membership.objects.filter(community__in=_open_communities()).filter(
        Exists(shared_topic)
    )
    return _monthly(scope.narrow(joins, "member", community="community"), "joined_at", period)


def member_led_communities(period: Period, scope: Scope) -> Result:
    led = _central_team(_open_communities(), "created_by")
    return _monthly(
        scope.narrow(led, "created_by", community="pk", region="region"), "created_at", period
    )


def member_led_events(period: Period, scope: Scope) -> Result:
    led = _central_team(_held_events(), "organiser")
    return _monthly(
        scope.narrow(led, "organiser", community="community", region="region"),
        "starts_at",
        period,
    )


def member_led_bulletins(period: Period, scope: Scope) -> Result:
    # Only bulletins every member may read (those sent to everyone): one to a secret community's
    # members must not show up even as a number.
    sent = Bulletin.objects.visible_to(ANY_MEMBER).filter(sent_at__isnull=False)
    return _monthly(
        scope.narrow(_central_team(sent, "created_by"), "created_by"), "sent_at", period
    )


def cross_organisation_threads(period: Period, scope: Scope) -> Result:
    # A thread someone from another organisation replied to; unknown organisations cross nothing.
    other_organisation = (
        Post.objects.readable()
        .filter(
            thread=OuterRef("pk"),
            author__profile__organisation__isnull=False,
        )
        .exclude(author__profile__organisation=OuterRef("author__profile__organisation"))
    )
    threads = Thread.objects.filter(
        Exists(other_organisation),
        community__in=_open_communities(),
        author__profile__organisation__isnull=False,
    )
    return _monthly(scope.narrow(threads, "author", community="community"), "created_at", period)


def cross_organisation_events(period: Period, scope: Scope) -> Result:
    # Held events whose confirmed attendees (in scope) came from more than one organisation.
    mixed = (
        _attending(scope)
        .values("event")
        .annotate(organisations=Count("member__profile__organisation", distinct=True))
        .filter(organisations__gt=1)
        .values("event")
    )
    events = _held_events().filter(pk__in=mixed)
    if scope.community:
        events = events.filter(community=scope.community)
    return _monthly(events, "starts_at", period)


def cross_organisation_mentoring(period: Period, scope: Scope) -> Result:
    pairs = Match.objects.exclude(
        mentor__profile__organisation=F("mentee__profile__organisation")
    ).filter(
        mentor__profile__organisation__isnull=False, mentee__profile__organisation__isnull=False
    )
    return _monthly(scope.narrow(pairs, "mentee"), "started_at", period)


def _joined(scope: Scope) -> tuple[QuerySet, str]:
    """Members and the moment they joined: the network, or for a community, that community."""
    if scope.community:
        joins = Membership.objects.filter(member__in=_members())
        return scope.narrow(joins, "member", community="community"), "joined_at"
    # Counted in the month they signed up (a confirmation usually follows within minutes).
    return scope.narrow(_members(), ""), "date_joined"


def members(period: Period, scope: Scope) -> Result:
    return _running_total(*_joined(scope), period)


def new_members(period: Period, scope: Scope) -> Result:
    return _monthly(*_joined(scope), period)


def active_members(period: Period, scope: Scope) -> Result:
    """Members who did something in the month (or the period): wrote a post, joined a
    community, registered for an event, rated or used a resource, or started mentoring.
    Each member counts once however much they did, so this is one query over all of them."""
    in_scope = scope.narrow(_members(), "").values("pk")
    open_posts = Post.objects.filter(thread__community__in=_open_communities())
    open_joins = Membership.objects.filter(community__in=_open_communities())
    activity = [
        open_posts.values_list("author_id", "created_at"),
        open_joins.values_list("member_id", "joined_at"),
        Registration.objects.filter(event__in=_known_events()).values_list(
            "member_id", "created_at"
        ),
        Rating.objects.values_list("member_id", "created_at"),
        Use.objects.values_list("member_id", "created_at"),
        Match.objects.values_list("mentee_id", "started_at"),
        Match.objects.values_list("mentor_id", "started_at"),
    ]
    parts, params = [], []
    for rows in activity:
        sql, part_params = rows.order_by().query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(part_params)
    scope_sql, scope_params = in_scope.order_by().query.sql_with_params()
    # GROUPING SETS gives each month's distinct members and, in the row whose month is null,
    # the distinct members of the whole period and of the time before it. Only the ORM's own
    # SQL is joined in; every value travels as a parameter.
    sql = f"""
        WITH activity (member_id, moment) AS ({" UNION ALL ".join(parts)})
        SELECT date_trunc('month', moment AT TIME ZONE %s) AS month,
               count(DISTINCT member_id) FILTER (WHERE moment >= %s),
               count(DISTINCT member_id) FILTER (WHERE moment < %s)
        FROM activity
        WHERE moment >= %s AND moment < %s AND member_id IN ({scope_sql})
        GROUP BY GROUPING SETS ((1), ())
    """  # noqa: S608
    params += [str(LONDON), period.start, period.start, period.previous_start, period.end]
    params += scope_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_month, value, previous = {}, 0.0, 0.0
    for month, current, before in rows:
        if month is None:
            value, previous = float(current), float(before)
        else:
            by_month[month.date()] = float(current)
    series = [(month, by_month.get(month, 0.0)) for month in period.month_starts]
    return Result(value, previous, series)


def resources_shared(period: Period, scope: Scope) -> Result:
    shared = Resource.objects.filter(status=Resource.Status.PUBLISHED)
    return _monthly(scope.narrow(shared, "contributor"), "created_at", period)


def resources_used(period: Period, scope: Scope) -> Result:
    return _monthly(scope.narrow(Use.objects.all(), "member"), "created_at", period)


def questions_answered(period: Period, scope: Scope) -> Result:
    # Dated by the answer post, and counted for whoever wrote it.
    answers = Post.objects.filter(
        pk__in=Thread.objects.filter(
            answer__isnull=False, community__in=_open_communities()
        ).values("answer_id")
    )
    return _monthly(
        scope.narrow(answers, "author", community="thread__community"), "created_at", period
    )


def event_rating(period: Period, scope: Scope) -> Result:
    feedback = scope.narrow(
        Feedback.objects.filter(registration__event__in=_known_events()),
        "registration__member",
        community="registration__event__community",
    )
    return _monthly(feedback, "created_at", period, average="rating")


def mentoring_pairs(period: Period, scope: Scope) -> Result:
    return _monthly(scope.narrow(Match.objects.all(), "mentee"), "started_at", period)


def event_co_attendance(period: Period, scope: Scope) -> Result:
    """Pairs of members (in scope) who attended the same event: a meeting of 10 makes 45."""
    events = _held_events().filter(starts_at__gte=period.previous_start, starts_at__lt=period.end)
    if scope.community:
        events = events.filter(community=scope.community)
    attendees = (
        _attending(scope)
        .filter(event__in=events)
        .values("event", "event__starts_at")
        .annotate(count=Count("pk"))
        .values_list("event__starts_at", "count")
    )
    return _summed([(moment, count * (count - 1) // 2) for moment, count in attendees], period)


def projects_improving(period: Period, scope: Scope) -> Result:
    """Projects with a measure whose latest analysis shows a sustained improvement (the
    verdict projects.measures keeps), at the end of each month counting those whose
    improvement had begun by then. Only projects every member may know of: a team-only
    project is never counted, not even in the coordinators' figures, which are the same
    cached figures (docs/decisions.md)."""
    first_improvement = (
        ProjectMeasure.objects.filter(
            project=OuterRef("pk"),
            verdict=ProjectMeasure.Verdict.IMPROVEMENT,
            verdict_since__isnull=False,
        )
        .order_by("verdict_since")
        .values("verdict_since")[:1]
    )
    projects = (
        Project.objects.visible_to(ANY_MEMBER)
        .annotate(improving_since=Subquery(first_improvement))
        .filter(improving_since__isnull=False)
    )
    # A project's region and type are its organisations'; subqueries, so that a project of
    # two organisations in scope counts once.
    working = Project.organisations.through.objects
    if scope.region:
        in_region = working.filter(organisation__region=scope.region)
        projects = projects.filter(pk__in=in_region.values("project_id"))
    if scope.organisation_kind:
        of_kind = working.filter(organisation__kind=scope.organisation_kind)
        projects = projects.filter(pk__in=of_kind.values("project_id"))
    if scope.community:
        helped = Project.communities.through.objects.filter(community=scope.community)
        projects = projects.filter(pk__in=helped.values("project_id"))
    return _running_total(projects, "improving_since", period)


def replies(period: Period, scope: Scope) -> Result:
    # A reply is a post after a thread's opening one, by someone other than who opened it.
    earlier = Post.objects.filter(thread=OuterRef("thread"), pk__lt=OuterRef("pk"))
    replies = (
        Post.objects.readable()
        .filter(Exists(earlier), thread__community__in=_open_communities())
        .exclude(author=F("thread__author"))
    )  # to one another, not more of one's own thread
    return _monthly(
        scope.narrow(replies, "author", community="thread__community"), "created_at", period
    )


MEASURES = [
    Measure(
        "communities-with-purpose",
        Feature.COMMON_PURPOSE,
        "Communities with a stated purpose",
        "Every community states its purpose when it starts and its page leads with it: open "
        "and closed communities at the end of each month.",
        communities_with_purpose,
        total=True,
    ),
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
        "member-led-events",
        Feature.COOPERATIVE_STRUCTURES,
        "Events led by members",
        "Events held whose organiser is a member rather than the central team.",
        member_led_events,
    ),
    Measure(
        "member-led-bulletins",
        Feature.COOPERATIVE_STRUCTURES,
        "eBulletins put together by members",
        "eBulletins sent to every member that a member curator, not the central team, put "
        "together.",
        member_led_bulletins,
    ),
    Measure(
        "cross-organisation-threads",
        Feature.COOPERATIVE_STRUCTURES,
        "Discussions across organisations",
        "Community threads started in the period that someone from another organisation "
        "replied to.",
        cross_organisation_threads,
    ),
    Measure(
        "cross-organisation-events",
        Feature.COOPERATIVE_STRUCTURES,
        "Events that brought organisations together",
        "Events held whose confirmed attendees came from more than one organisation.",
        cross_organisation_events,
    ),
    Measure(
        "cross-organisation-mentoring",
        Feature.COOPERATIVE_STRUCTURES,
        "Mentoring across organisations",
        "Mentoring relationships whose mentor and mentee work in different organisations.",
        cross_organisation_mentoring,
        sensitive=True,
    ),
    Measure(
        "members",
        Feature.CRITICAL_MASS,
        "Members",
        "Members with a confirmed e-mail address, at the end of each month.",
        members,
        total=True,
    ),
    Measure(
        "new-members",
        Feature.CRITICAL_MASS,
        "New members",
        "People who signed up and confirmed their e-mail address, by the month they signed up.",
        new_members,
    ),
    Measure(
        "active-members",
        Feature.CRITICAL_MASS,
        "Active members",
        "Members who posted, joined a community, registered for an event, rated or used a "
        "resource, or started mentoring. Each counts once however much they did.",
        active_members,
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
        "projects-improving",
        Feature.COLLECTIVE_INTELLIGENCE,
        "Improvement projects showing an improvement",
        "Improvement projects with a measure whose chart shows a sustained change for the "
        "better (a shift, a trend or points beyond the limits), at the end of each month. "
        "Projects shared with the whole network only.",
        projects_improving,
        total=True,
    ),
    Measure(
        "mentoring-pairs",
        Feature.COMMUNITY_BUILDING,
        "Mentoring relationships formed",
        "Mentors and mentees who started working together.",
        mentoring_pairs,
        sensitive=True,
    ),
    Measure(
        "event-co-attendance",
        Feature.COMMUNITY_BUILDING,
        "Connections made at events",
        "Pairs of members who attended the same event: a meeting of 10 people makes 45.",
        event_co_attendance,
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
FINGERPRINT = hashlib.sha256(",".join(MEASURES_BY_KEY).encode()).hexdigest()[:12]


SMALL = 5  # counts from 1 to SMALL - 1 of a sensitive measure are shown as "fewer than 5"


def is_small(amount: float | None) -> bool:
    return amount is not None and 0 < amount < SMALL


def coarse(amount: float | None) -> str:
    """A sensitive figure as members see it: only for a whole period, and rounded to the
    nearest 5, so no month and no difference between two periods picks a person out."""
    if amount is None:
        return ""
    if is_small(amount):
        return f"fewer than {SMALL}"
    return str(int(SMALL * round(amount / SMALL)))
