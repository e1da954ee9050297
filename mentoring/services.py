"""Rules of mentoring: scoring a pair, suggestions, the request cascade, capacity, cohorts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from scipy.optimize import linear_sum_assignment

from members.models import User
from members.roles import is_coordinator
from members.services import member_profiles, notify
from mentoring.models import (
    Approach,
    Cohort,
    CohortPair,
    Format,
    Match,
    MatchFeedback,
    MentoringRequest,
    MentorOffer,
)

ANSWER_DAYS = 7
MAX_CHOICES = 3


class MentoringError(ValidationError):
    """A request that cannot be carried out, with the message the member should see."""


# --- scoring: one function for single suggestions and for cohorts ---------------------------


@dataclass(frozen=True)
class Needs:
    """What a mentee asks for."""

    member_id: int
    organisation_id: int | None
    sector: str
    region: str
    area_ids: frozenset[int]
    other_organisation: bool = True
    other_sector: bool = False
    same_region: bool = False
    format: str = Format.EITHER


@dataclass(frozen=True)
class Mentor:
    """What a mentor offers, and how many places are free."""

    member_id: int
    organisation_id: int | None
    sector: str
    region: str
    area_ids: frozenset[int]
    format: str
    free: int


def match_score(needs: Needs, mentor: Mentor) -> tuple[float, list[str]] | None:
    """How well a mentor fits a mentee, and why; None when they cannot be paired."""
    if mentor.member_id == needs.member_id or mentor.free <= 0:
        return None
    score, reasons = 0.0, []
    shared = len(needs.area_ids & mentor.area_ids)
    if shared:
        score += 3 * shared
        reasons.append(f"shares {shared} of your {len(needs.area_ids)} areas")
    if needs.organisation_id and mentor.organisation_id:
        if needs.organisation_id != mentor.organisation_id:
            score += 2 if needs.other_organisation else 0.5
            reasons.append("different organisation")
        elif needs.other_organisation:
            score -= 2
            reasons.append("same organisation")
    if needs.other_sector and needs.sector and mentor.sector and needs.sector != mentor.sector:
        score += 1.5
        reasons.append("different sector")
    if needs.same_region and needs.region and needs.region == mentor.region:
        score += 1.5
        reasons.append("same region")
    if Format.EITHER in (needs.format, mentor.format) or needs.format == mentor.format:
        score += 0.5
    else:
        score -= 1
        reasons.append(f"prefers meeting {Format(mentor.format).label.lower()}")
    score += 0.25 * min(mentor.free, 3)
    reasons.append(f"{mentor.free} place{'s' if mentor.free != 1 else ''} free")
    return score, reasons


def needs_of(request: MentoringRequest) -> Needs:
    """Select `mentee__profile` and prefetch `areas` when calling this for many requests."""
    profile = getattr(request.mentee, "profile", None)
    return Needs(
        member_id=request.mentee_id,
        organisation_id=profile.organisation_id if profile else None,
        sector=profile.sector if profile else "",
        region=profile.region if profile else "",
        area_ids=frozenset(area.pk for area in request.areas.all()),
        other_organisation=request.prefer_other_organisation,
        other_sector=request.prefer_other_sector,
        same_region=request.prefer_same_region,
        format=request.format,
    )


def available_offers() -> QuerySet[MentorOffer]:
    """Offers of the network's members who are not paused (with their active mentees counted:
    `free` in mentor_of tells whether a place is left)."""
    offers = (
        MentorOffer.objects.filter(paused=False, mentor__profile__in=member_profiles())
        .annotate(
            active=Count(
                "mentor__matches_as_mentor",
                filter=Q(mentor__matches_as_mentor__status=Match.Status.ACTIVE),
            )
        )
        .select_related("mentor__profile__organisation")
        .prefetch_related("areas")
    )
    return offers


def mentor_of(offer: MentorOffer) -> Mentor:
    profile = offer.mentor.profile
    return Mentor(
        member_id=offer.mentor_id,
        organisation_id=profile.organisation_id,
        sector=profile.sector,
        region=profile.region,
        area_ids=frozenset(area.pk for area in offer.areas.all()),
        format=offer.format,
        free=offer.capacity - offer.active,
    )


@dataclass
class Suggestion:
    offer: MentorOffer
    score: float
    reasons: list[str] = field(default_factory=list)


def suggestions(needs: Needs, *, limit: int = 10) -> list[Suggestion]:
    ranked = []
    for offer in available_offers():
        scored = match_score(needs, mentor_of(offer))
        if scored is not None:
            ranked.append(Suggestion(offer=offer, score=scored[0], reasons=scored[1]))
    ranked.sort(key=lambda suggestion: (-suggestion.score, suggestion.offer.mentor.name))
    return ranked[:limit]


# --- requests and their cascade -------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    mentee: User,
    goals: str,
    area_ids: list[int],
    mentor_ids: list[int],
    other_organisation: bool = True,
    other_sector: bool = False,
    same_region: bool = False,
    format: str = Format.EITHER,
) -> MentoringRequest:
    goals = goals.strip()
    if not goals:
        raise MentoringError("Say what you want to achieve.")
    if len(mentor_ids) > MAX_CHOICES or len(set(mentor_ids)) != len(mentor_ids):
        raise MentoringError("Choose up to three different mentors.")
    if mentee.pk in mentor_ids:
        raise MentoringError("You cannot ask yourself to be your mentor.")
    if MentoringRequest.objects.filter(mentee=mentee, status=MentoringRequest.Status.OPEN).exists():
        raise MentoringError("You already have a request waiting for an answer.")
    offers = {
        offer.mentor_id: offer for offer in available_offers().filter(mentor_id__in=mentor_ids)
    }
    for mentor_id in mentor_ids:
        offer = offers.get(mentor_id)
        if offer is None or offer.active >= offer.capacity:
            raise MentoringError("One of the mentors you chose is not taking new mentees.")
    try:
        with transaction.atomic():
            request = MentoringRequest.objects.create(
                mentee=mentee,
                goals=goals,
                prefer_other_organisation=other_organisation,
                prefer_other_sector=other_sector,
                prefer_same_region=same_region,
                format=format,
            )
    except IntegrityError:
        raise MentoringError("You already have a request waiting for an answer.") from None
    request.areas.set(area_ids)
    for rank, mentor_id in enumerate(mentor_ids, start=1):
        Approach.objects.create(request=request, mentor_id=mentor_id, rank=rank)
    # Without chosen mentors the request waits for a coordinator's next cohort.
    if mentor_ids:
        _send_next(request)
    return request


def _send_next(request: MentoringRequest) -> None:
    """Ask the next mentor in the mentee's order who can still take someone on, or tell the
    mentee nobody could."""
    upcoming = None
    for queued in request.approaches.filter(status=Approach.Status.QUEUED).order_by("rank"):
        if mentor_has_place(queued.mentor_id):
            upcoming = queued
            break
        queued.status = Approach.Status.EXPIRED  # paused or full since the mentee chose them
        queued.save(update_fields=["status"])
    if upcoming is None:
        request.status = MentoringRequest.Status.UNMATCHED
        request.save(update_fields=["status"])
        notify(
            member=request.mentee,
            kind="mentoring_unmatched",
            url=request.get_absolute_url(),
            message="No mentor could take you on this time: ask again, or wait for a cohort",
        )
        return
    now = timezone.now()
    upcoming.status = Approach.Status.PENDING
    upcoming.sent_at = now
    upcoming.due_at = now + timedelta(days=ANSWER_DAYS)
    upcoming.save(update_fields=["status", "sent_at", "due_at"])
    notify(
        member=upcoming.mentor,
        kind="mentoring_request",
        url=request.get_absolute_url(),
        by=request.mentee,
        message="would like you as their mentor",
    )


def mentor_has_place(mentor_id: int) -> bool:
    offer = MentorOffer.objects.filter(mentor_id=mentor_id, paused=False).first()
    if offer is None:
        return False
    active = Match.objects.filter(mentor_id=mentor_id, status=Match.Status.ACTIVE).count()
    return active < offer.capacity


@transaction.atomic
def approach_accept(*, approach: Approach, mentor: User, message: str = "") -> Match:
    """The mentor says yes, if they still have a place: their offer row is locked and their
    active mentees counted afresh, so accepting several at once never exceeds the capacity."""
    # Locks in one order everywhere: the mentor's offer, then requests, then approaches. The
    # offer first makes acceptances for one mentor queue up before they touch any request, and
    # withdrawals, declines and expiries (which never take the offer) lock request then approach.
    offer = MentorOffer.objects.select_for_update().filter(mentor=mentor).first()
    request = MentoringRequest.objects.select_for_update().get(pk=approach.request_id)
    approach = Approach.objects.select_for_update().get(pk=approach.pk)
    if approach.mentor_id != mentor.pk:
        raise MentoringError("This request is not for you.")
    if approach.status != Approach.Status.PENDING or request.status != MentoringRequest.Status.OPEN:
        raise MentoringError("This request has already been answered.")
    active = Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()
    if offer is None or offer.paused or active >= offer.capacity:
        raise MentoringError(
            "You have no free place: close a relationship, raise your capacity or "
            "resume your offer first."
        )
    approach.status = Approach.Status.ACCEPTED
    approach.answered_at = timezone.now()
    approach.message = message.strip()
    approach.save()
    request.approaches.filter(status=Approach.Status.QUEUED).update(
        status=Approach.Status.WITHDRAWN
    )
    request.status = MentoringRequest.Status.MATCHED
    request.save(update_fields=["status"])
    match = Match.objects.create(
        request=request, mentor=mentor, mentee=request.mentee, goals=request.goals
    )
    notify(
        member=request.mentee,
        kind="mentoring_accepted",
        url=match.get_absolute_url(),
        by=mentor,
        message="accepted your mentoring request",
    )
    if active + 1 >= offer.capacity:
        # Now full: whoever else is waiting on this mentor moves on to their next choice.
        for waiting in Approach.objects.filter(
            mentor=mentor, status=Approach.Status.PENDING
        ).select_related("request"):
            waiting.status = Approach.Status.EXPIRED
            waiting.save(update_fields=["status"])
            _send_next(waiting.request)
    return match


@transaction.atomic
def approach_decline(*, approach: Approach, mentor: User, message: str = "") -> None:
    MentoringRequest.objects.select_for_update().get(pk=approach.request_id)
    approach = Approach.objects.select_for_update().select_related("request").get(pk=approach.pk)
    if approach.mentor_id != mentor.pk:
        raise MentoringError("This request is not for you.")
    if approach.status != Approach.Status.PENDING:
        raise MentoringError("This request has already been answered.")
    approach.status = Approach.Status.DECLINED
    approach.answered_at = timezone.now()
    approach.message = message.strip()
    approach.save()
    text = "cannot mentor you just now"
    if approach.message:
        text = f"{text}: “{approach.message}”"
    notify(
        member=approach.request.mentee,
        kind="mentoring_declined",
        url=approach.request.get_absolute_url(),
        by=mentor,
        message=text,
    )
    _send_next(approach.request)


@transaction.atomic
def request_withdraw(*, request: MentoringRequest, mentee: User) -> None:
    request = MentoringRequest.objects.select_for_update().get(pk=request.pk)
    if request.mentee_id != mentee.pk:
        raise MentoringError("This request is not yours.")
    if request.status != MentoringRequest.Status.OPEN:
        raise MentoringError("This request is no longer waiting for an answer.")
    request.status = MentoringRequest.Status.WITHDRAWN
    request.save(update_fields=["status"])
    request.approaches.filter(status__in=[Approach.Status.QUEUED, Approach.Status.PENDING]).update(
        status=Approach.Status.WITHDRAWN
    )


def approaches_expire() -> int:
    """Unanswered requests pass to the mentee's next choice."""
    expired = 0
    for approach_id in Approach.objects.filter(
        status=Approach.Status.PENDING, due_at__lte=timezone.now()
    ).values_list("pk", flat=True):
        with transaction.atomic():
            request_id = Approach.objects.values_list("request_id", flat=True).get(pk=approach_id)
            MentoringRequest.objects.select_for_update().get(pk=request_id)
            approach = (
                Approach.objects.select_for_update().select_related("request").get(pk=approach_id)
            )
            if approach.status != Approach.Status.PENDING:
                continue
            approach.status = Approach.Status.EXPIRED
            approach.save(update_fields=["status"])
            expired += 1
            _send_next(approach.request)
    return expired


# --- relationships --------------------------------------------------------------------------


def match_for(viewer, match_id: int) -> Match:
    """A relationship is for its two members alone: anyone else, coordinators included, 404."""
    from django.http import Http404

    match = (
        Match.objects.visible_to(viewer)
        .select_related("mentor", "mentee", "request")
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        raise Http404("No such mentoring relationship")
    return match


def match_close(*, match: Match, member: User) -> None:
    if match.status != Match.Status.ACTIVE:
        raise MentoringError("This relationship is already closed.")
    match.status = Match.Status.CLOSED
    match.closed_at = timezone.now()
    match.save(update_fields=["status", "closed_at"])
    for person in (match.mentor, match.mentee):
        notify(
            member=person,
            kind="mentoring_closed",
            url=match.get_absolute_url(),
            actor=member,
            message="Your mentoring relationship has closed: tell us how it went",
        )


def feedback_give(*, match: Match, member: User, helped: bool, rating: int, changed: str):
    if match.status != Match.Status.CLOSED:
        raise MentoringError("Feedback opens when the relationship closes.")
    MatchFeedback.objects.update_or_create(
        match=match,
        member=member,
        defaults={"helped": helped, "rating": rating, "changed": changed.strip()},
    )


# --- cohorts --------------------------------------------------------------------------------


def score_matrix(needs: list[Needs], mentors: list[Mentor]) -> np.ndarray:
    """match_score for every mentee (rows) and mentor (columns) at once, without the reasons;
    NaN where a pair cannot be made. The same rules, in numpy: scoring 3,000 mentees against
    600 mentors one call at a time took seconds."""

    def column(values, dtype=object):
        return np.array(values, dtype=dtype)

    areas = sorted({area for person in [*needs, *mentors] for area in person.area_ids})
    position = {area: index for index, area in enumerate(areas)}

    def area_matrix(people):
        matrix = np.zeros((len(people), len(areas)), dtype=np.int32)
        for row, person in enumerate(people):
            for area in person.area_ids:
                matrix[row, position[area]] = 1
        return matrix

    shared = area_matrix(needs) @ area_matrix(mentors).T
    score = 3.0 * shared

    mentee_org = column([n.organisation_id or 0 for n in needs], np.int64)[:, None]
    mentor_org = column([m.organisation_id or 0 for m in mentors], np.int64)[None, :]
    other_org = column([n.other_organisation for n in needs], bool)[:, None]
    both_known = (mentee_org != 0) & (mentor_org != 0)
    differ = mentee_org != mentor_org
    score += np.where(both_known & differ, np.where(other_org, 2.0, 0.5), 0.0)
    score += np.where(both_known & ~differ & other_org, -2.0, 0.0)

    mentee_sector = column([n.sector or "" for n in needs])[:, None]
    mentor_sector = column([m.sector or "" for m in mentors])[None, :]
    other_sector = column([n.other_sector for n in needs], bool)[:, None]
    score += np.where(
        other_sector
        & (mentee_sector != "")
        & (mentor_sector != "")
        & (mentee_sector != mentor_sector),
        1.5,
        0.0,
    )

    mentee_region = column([n.region or "" for n in needs])[:, None]
    mentor_region = column([m.region for m in mentors])[None, :]
    same_region = column([n.same_region for n in needs], bool)[:, None]
    score += np.where(
        same_region & (mentee_region != "") & (mentee_region == mentor_region), 1.5, 0
    )

    mentee_format = column([n.format for n in needs])[:, None]
    mentor_format = column([m.format for m in mentors])[None, :]
    suits = (mentee_format == Format.EITHER) | (mentor_format == Format.EITHER)
    score += np.where(suits | (mentee_format == mentor_format), 0.5, -1.0)

    free = column([m.free for m in mentors], np.int64)[None, :]
    score = score + 0.25 * np.minimum(free, 3)
    itself = (
        column([n.member_id for n in needs], np.int64)[:, None]
        == column([m.member_id for m in mentors], np.int64)[None, :]
    )
    return np.where(itself | (free <= 0), np.nan, score)


def cohort_assignment(needs: list[Needs], mentors: list[Mentor]):
    """The best overall pairing: each mentor as many times as their free places, one mentor per
    mentee, the total score as high as it can be (an optimal assignment over capacity slots).

    Returns [(mentee index, mentor index, score, reasons)] for the mentees who get a mentor.
    """
    slots = [index for index, mentor in enumerate(mentors) for _ in range(max(mentor.free, 0))]
    if not needs or not slots:
        return []
    # A pair that scores nothing or less (or cannot be made) is worth the same as no pair: at
    # 0 the assignment may place a mentee there, and such places are dropped below. This
    # keeps the matrix mentees by slots; a "no mentor" column for each mentee made it three
    # times as wide and the assignment seven times slower.
    scores = np.nan_to_num(score_matrix(needs, mentors), nan=0.0).clip(min=0)[:, slots]
    rows, columns = linear_sum_assignment(scores, maximize=True)
    pairs = []
    for row, column in zip(rows, columns, strict=True):
        if scores[row, column] > 0:
            mentor_index = slots[column]
            score, reasons = match_score(needs[row], mentors[mentor_index])
            pairs.append((row, mentor_index, score, reasons))
    return pairs


def greedy_assignment(needs: list[Needs], mentors: list[Mentor]) -> float:
    """The baseline: each mentee in turn takes the best mentor left. Returns the total."""
    free = [mentor.free for mentor in mentors]
    total = 0.0
    for mentee in needs:
        best = None
        for index, mentor in enumerate(mentors):
            if free[index] <= 0:
                continue
            scored = match_score(mentee, mentor)
            if scored and scored[0] > 0 and (best is None or scored[0] > best[1]):
                best = (index, scored[0])
        if best:
            free[best[0]] -= 1
            total += best[1]
    return total


@transaction.atomic
def cohort_compute(cohort: Cohort) -> int:
    requests = list(
        cohort.mentees.filter(status=MentoringRequest.Status.OPEN)
        .select_related("mentee__profile")
        .prefetch_related("areas")
    )
    offers = list(available_offers().filter(pk__in=cohort.mentors.values("pk")))
    needs = [needs_of(request) for request in requests]
    mentors = [mentor_of(offer) for offer in offers]
    cohort.pairs.all().delete()
    pairs = cohort_assignment(needs, mentors)
    CohortPair.objects.bulk_create(
        CohortPair(
            cohort=cohort,
            request=requests[row],
            mentor=offers[column].mentor,
            score=score,
            reasons=reasons,
        )
        for row, column, score, reasons in pairs
    )
    return len(pairs)


@transaction.atomic
def cohort_swap(*, cohort: Cohort, first: CohortPair, second: CohortPair) -> None:
    """A coordinator's judgement over the scores: the two mentees change mentors."""
    if cohort.status != Cohort.Status.DRAFT:
        raise MentoringError("A published cohort cannot change.")
    first.mentor, second.mentor = second.mentor, first.mentor
    for pair in (first, second):
        offer = available_offers().filter(mentor=pair.mentor).first()
        scored = match_score(needs_of(pair.request), mentor_of(offer)) if offer else None
        if scored is None:
            raise MentoringError("That swap would pair someone with themselves.")
        pair.score, pair.reasons = scored
        pair.save()


@transaction.atomic
def cohort_publish(*, cohort: Cohort, coordinator: User) -> int:
    """Each pair becomes a request to that mentor, who accepts or declines as usual."""
    if not is_coordinator(coordinator):
        raise MentoringError("Only coordinators publish cohorts.")
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.status != Cohort.Status.DRAFT:
        raise MentoringError("This cohort has already been published.")
    sent = 0
    for pair in cohort.pairs.select_related("request__mentee", "mentor"):
        request = pair.request
        if request.status != MentoringRequest.Status.OPEN or request.approaches.exists():
            continue
        # Places may have gone since the pairing was computed (another cohort, a pause).
        asked = Approach.objects.filter(mentor=pair.mentor, status=Approach.Status.PENDING).count()
        offer = MentorOffer.objects.select_for_update().filter(mentor=pair.mentor).first()
        active = Match.objects.filter(mentor=pair.mentor, status=Match.Status.ACTIVE).count()
        if offer is None or offer.paused or active + asked >= offer.capacity:
            continue
        Approach.objects.create(request=request, mentor=pair.mentor, rank=1)
        _send_next(request)
        sent += 1
    cohort.status = Cohort.Status.PUBLISHED
    cohort.save(update_fields=["status"])
    return sent
