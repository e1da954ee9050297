"""Rules of mentoring: suggestions, the request cascade and its locks, capacity, relationships,
cohorts. The scores and the cohort pairing are worked out in mentoring.matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from base.errors import NotFound
from base.locking import lock_objects
from members.models import User
from members.roles import is_coordinator
from members.services import member_profiles, notify
from mentoring.matching import Mentor, Needs, cohort_assignment, match_score
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


# --- suggestions ----------------------------------------------------------------------------


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
    # A mentor who mentors in none of the mentee's areas is only a place free, not a match.
    shares_areas: bool = True


def suggestions(needs: Needs, *, limit: int = 10) -> list[Suggestion]:
    """The best fits first: mentors who share an area with the mentee, then the others with
    free places, each by score (a weak match may score higher on the rest of what it offers)."""
    ranked = []
    for offer in available_offers():
        mentor = mentor_of(offer)
        scored = match_score(needs, mentor)
        if scored is not None:
            ranked.append(
                Suggestion(
                    offer=offer,
                    score=scored[0],
                    reasons=scored[1],
                    shares_areas=bool(needs.area_ids & mentor.area_ids),
                )
            )
    ranked.sort(
        key=lambda suggestion: (
            not suggestion.shares_areas,
            -suggestion.score,
            suggestion.offer.mentor.name,
        )
    )
    return ranked[:limit]


# --- requests and their cascade -------------------------------------------------------------
#
# The locks, taken with base.locking (so always in its one order: requests, then offers):
# - a request's row guards the request and its approaches: nothing changes either without it,
#   and approaches are never locked themselves;
# - a mentor's offer guards their places: whoever decides that a mentor has a place left (to
#   accept, or to be asked next) holds it, and counts the active relationships afresh.
# Passing a request on to the next mentor therefore holds the request and the offers of the
# mentors it may ask next (_lock_cascades). The set cannot grow once the request is locked:
# approaches are only made with their request, or under its lock (cohort_publish).


def _lock_cascades(request_ids, *, offers_of=()) -> None:
    """Lock these requests for their cascade, with the offers of the mentors each may ask next
    and of the mentors in `offers_of`."""
    request_ids = set(request_ids)
    mentor_ids = set(offers_of) | set(
        Approach.objects.filter(
            request_id__in=request_ids, status=Approach.Status.QUEUED
        ).values_list("mentor_id", flat=True)
    )
    lock_objects(
        MentoringRequest.objects.filter(pk__in=request_ids),
        MentorOffer.objects.filter(mentor_id__in=mentor_ids),
    )


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
        # Nobody else knows of the new request yet: only the chosen mentors' offers need locks.
        _lock_cascades([], offers_of=mentor_ids)
        _send_next(request)
    return request


def _send_next(request: MentoringRequest) -> None:
    """Ask the next mentor in the mentee's order who can still take someone on, or tell the
    mentee nobody could. Called under the request's cascade locks (_lock_cascades)."""
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


def approach_accept(*, approach: Approach, mentor: User, message: str = "") -> Match:
    """The mentor says yes, if they still have a place: their offer row is locked and their
    active mentees counted afresh, so accepting several at once never exceeds the capacity.
    A mentor it leaves full passes whoever else waits on them to their next choice."""
    match, full = _accept(approach=approach, mentor=mentor, message=message)
    if full:
        _pass_on_from_full(mentor)
    return match


@transaction.atomic
def _accept(*, approach: Approach, mentor: User, message: str) -> tuple[Match, bool]:
    request, offers = lock_objects(
        MentoringRequest(pk=approach.request_id), MentorOffer.objects.filter(mentor=mentor)
    )
    offer = offers[0] if offers else None
    approach = Approach.objects.get(pk=approach.pk)
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
    return match, active + 1 >= offer.capacity


def _pass_on_from_full(mentor: User) -> None:
    """Whoever else waits on a mentor who is now full moves on to their next choice.

    Each request in a transaction of its own, after the acceptance: the acceptance holds the
    mentor's offer, which sorts after every request, so it cannot also lock theirs."""
    waiting = Approach.objects.filter(mentor=mentor, status=Approach.Status.PENDING)
    for approach_id, request_id in waiting.values_list("pk", "request_id"):
        with transaction.atomic():
            _lock_cascades([request_id], offers_of=[mentor.pk])
            offer = MentorOffer.objects.filter(mentor=mentor).first()
            active = Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()
            approach = Approach.objects.select_related("request").get(pk=approach_id)
            if approach.status != Approach.Status.PENDING or not offer or active < offer.capacity:
                continue
            approach.status = Approach.Status.EXPIRED
            approach.save(update_fields=["status"])
            _send_next(approach.request)


@transaction.atomic
def approach_decline(*, approach: Approach, mentor: User, message: str = "") -> None:
    _lock_cascades([approach.request_id])
    approach = Approach.objects.select_related("request").get(pk=approach.pk)
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
    [request] = lock_objects(request)
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
    for approach_id, request_id in Approach.objects.filter(
        status=Approach.Status.PENDING, due_at__lte=timezone.now()
    ).values_list("pk", "request_id"):
        with transaction.atomic():
            _lock_cascades([request_id])
            approach = Approach.objects.select_related("request").get(pk=approach_id)
            if approach.status != Approach.Status.PENDING:
                continue
            approach.status = Approach.Status.EXPIRED
            approach.save(update_fields=["status"])
            expired += 1
            _send_next(approach.request)
    return expired


@transaction.atomic
def member_leaves(*, member: User) -> None:
    """A member closing their account: their offer goes, their own requests are withdrawn and
    lose their goals, the requests waiting on them pass to each mentee's next choice, and what
    either side wrote to the other is blanked. Under the cascade's own locks, so a mentor
    answering or a request passing on at the same moment is waited for, never undone."""
    own = MentoringRequest.objects.filter(mentee=member)
    asked_them = Approach.objects.filter(mentor=member)
    _lock_cascades(
        [*own.values_list("pk", flat=True), *asked_them.values_list("request_id", flat=True)],
        offers_of=[member.pk],
    )
    MentorOffer.objects.filter(mentor=member).delete()
    Approach.objects.filter(request__in=own).exclude(status=Approach.Status.ACCEPTED).update(
        status=Approach.Status.WITHDRAWN
    )
    own.filter(status=MentoringRequest.Status.OPEN).update(status=MentoringRequest.Status.WITHDRAWN)
    own.update(goals="")
    for approach in asked_them.filter(
        status__in=[Approach.Status.PENDING, Approach.Status.QUEUED]
    ).select_related("request"):
        was_pending = approach.status == Approach.Status.PENDING
        approach.status = Approach.Status.WITHDRAWN
        approach.save(update_fields=["status"])
        if was_pending:
            _send_next(approach.request)
    # Messages both ways: the mentor's answers to them name them too ("Happy to mentor you, …").
    asked_them.update(message="")
    Approach.objects.filter(request__mentee=member).update(message="")


# --- relationships --------------------------------------------------------------------------


def match_for(viewer, match_id: int) -> Match:
    """A relationship is for its two members alone: anyone else, coordinators included, finds
    nothing (NotFound)."""
    match = (
        Match.objects.visible_to(viewer)
        .select_related("mentor", "mentee", "request")
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        raise NotFound("No such mentoring relationship")
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
    pairs = cohort.pairs.all()
    cohort, _, _ = lock_objects(
        cohort,
        MentoringRequest.objects.filter(pk__in=pairs.values("request_id")),
        MentorOffer.objects.filter(mentor_id__in=pairs.values("mentor_id")),
    )
    if cohort.status != Cohort.Status.DRAFT:
        raise MentoringError("This cohort has already been published.")
    sent = 0
    for pair in cohort.pairs.select_related("request__mentee", "mentor"):
        request = pair.request
        if request.status != MentoringRequest.Status.OPEN or request.approaches.exists():
            continue
        # Places may have gone since the pairing was computed (another cohort, a pause).
        asked = Approach.objects.filter(mentor=pair.mentor, status=Approach.Status.PENDING).count()
        offer = MentorOffer.objects.filter(mentor=pair.mentor).first()
        active = Match.objects.filter(mentor=pair.mentor, status=Match.Status.ACTIVE).count()
        if offer is None or offer.paused or active + asked >= offer.capacity:
            continue
        Approach.objects.create(request=request, mentor=pair.mentor, rank=1)
        _send_next(request)
        sent += 1
    cohort.status = Cohort.Status.PUBLISHED
    cohort.save(update_fields=["status"])
    return sent
