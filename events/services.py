"""Rules of learning events: who sees them, places, the waiting list, offers, calendars."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from email.utils import parseaddr
from typing import Literal, NamedTuple
from urllib.parse import parse_qs, urlencode, urlsplit

import icalendar
import segno
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from base import outbox
from base.audit import audit_record
from base.fields import single_line
from base.links import absolute_url, site_address
from base.locking import lock_objects
from base.queries import per_row
from base.text_search import SEARCH_CONFIG, joined_text, search_text
from communities.models import Community
from events.audit import Action
from events.models import (
    CalendarFeed,
    Event,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    Series,
)
from members.models import User
from members.roles import is_coordinator
from members.services import named_to, notify

OFFER_LIFETIME = timedelta(hours=24)
HOLDS_A_PLACE = [Registration.Status.CONFIRMED, Registration.Status.OFFERED]


class EventError(ValidationError):
    """A request that cannot be carried out, with the message the member should see."""


# --- seeing ---------------------------------------------------------------------------------


def for_viewer(events: QuerySet[Event], viewer) -> QuerySet[Event]:
    """Events as this viewer meets them: the hosting community, the organiser and the series
    are named only where the viewer may see them (Event.host; `organiser_named`;
    Event.part_of)."""
    return series_for_viewer(events, viewer).annotate(
        series_named=Exists(Series.objects.visible_to(viewer).filter(pk=OuterRef("series_id")))
    )


def series_for_viewer(series: QuerySet, viewer) -> QuerySet:
    """A series (or an event) as this viewer meets it: its host and organiser named only where
    the viewer may see them."""
    return series.annotate(
        host_named=Exists(Community.objects.visible_to(viewer).filter(pk=OuterRef("community_id"))),
        organiser_named=named_to(viewer, "organiser_id"),
    )


def events_index(events: QuerySet[Event]) -> None:
    """Rebuild the stored search vectors; call after the tags are saved."""
    tags = joined_text(
        Event.tags.through.objects.filter(event=OuterRef("pk")), "topic__name", "event"
    )
    events.update(
        search_vector=SearchVector("title", tags, weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("speakers", "venue", weight="C", config=SEARCH_CONFIG)
        + SearchVector("programme", weight="D", config=SEARCH_CONFIG)
    )


def event_index(event: Event) -> None:
    events_index(Event.objects.filter(pk=event.pk))


def event_search(events: QuerySet[Event], text: str) -> QuerySet[Event]:
    """The events whose words match (stemmed: "mentor" finds "mentoring"), with their rank; the
    caller orders them."""
    text = " ".join(text.split())[:200]
    if not text:
        return events
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return events.filter(search_vector=query).annotate(
        relevance=SearchRank(F("search_vector"), query)
    )


def can_create(viewer) -> bool:
    """Coordinators create events, and moderators for the communities they moderate."""
    if not viewer.is_authenticated:
        return False
    return is_coordinator(viewer) or Community.objects.hostable_by(viewer).exists()


def event_listing(events: QuerySet[Event], viewer) -> QuerySet[Event]:
    # Places counted per listed event: a join over every registration, grouped before the page
    # is cut, read all 60,000 of a national network's registrations for a list of twenty.
    return (
        for_viewer(events, viewer)
        .select_related("community", "series")
        .defer("search_vector")
        .annotate(
            places_taken=per_row(Registration.objects.filter(status__in=HOLDS_A_PLACE), "event")
        )
    )


def places_left(event: Event, taken: int) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - taken, 0)


def registration_of(event: Event, member) -> Registration | None:
    if not member.is_authenticated:
        return None
    return (
        Registration.objects.filter(event=event, member=member)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )


# --- places ---------------------------------------------------------------------------------


def _taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status__in=HOLDS_A_PLACE).count()


def _check_open(event: Event) -> None:
    _check_not_cancelled(event)
    now = timezone.now()
    if event.starts_at <= now:
        raise EventError("This event has already started.")
    if event.registration_opens_at and now < event.registration_opens_at:
        opens = timezone.localtime(event.registration_opens_at)
        raise EventError(f"Registration opens on {opens:%d %B %Y at %H:%M}.")
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise EventError("Registration for this event has closed.")


def closed_reason(event: Event) -> str:
    """Why nobody may register for the event now; empty while registration is open."""
    try:
        _check_open(event)
    except EventError as error:
        return error.message
    return ""


@transaction.atomic
def registration_create(
    *, event: Event, member: User, answers: dict[int, str] | None = None
) -> Registration:
    """A confirmed place if one is free, else a place on the waiting list.

    The event row is locked and the places counted afresh inside the lock, so that however many
    members press the button at once, no more are confirmed than there are places.

    `answers`: the member's answers to the event's questions, by question id, saved with the
    place. None when the member was not asked (a whole series at once): then an event with a
    question they must answer is refused, and the others' questions are answered from the
    event's page afterwards.
    """
    [event] = lock_objects(event)
    _check_open(event)
    _check_answers(event, answers or {})
    registration = Registration.objects.filter(event=event, member=member).first()
    if registration and registration.status != Registration.Status.CANCELLED:
        if registration.status == Registration.Status.WAITING:
            raise EventError("You are already on the waiting list for this event.")
        raise EventError("You are already registered for this event.")
    # Nobody jumps the queue: while anyone waits for a place, newcomers wait behind them.
    queue = Registration.objects.filter(event=event, status=Registration.Status.WAITING).exists()
    free = not queue and (event.capacity is None or _taken(event) < event.capacity)
    status = Registration.Status.CONFIRMED if free else Registration.Status.WAITING
    if registration is None:
        registration = Registration(event=event, member=member)
    else:
        # Taken again after giving it up: the member's calendar must take the new copy over
        # the cancelled one.
        registration.sequence += 1
    registration.status = status
    registration.cancelled_at = None
    registration.created_at = timezone.now()  # a returning member joins the back of the queue
    registration.offer_expires_at = None
    registration.confirmation_sent_at = None
    registration.confirmed_at = timezone.now() if free else None
    registration.save()
    if answers is not None:
        _answers_save(registration, answers)
    if free:
        _confirm_by_email(registration)
    return registration


def _confirm_by_email(registration: Registration) -> None:
    registration_email(registration=registration, kind="confirmation")


# Each e-mail about a place, and the moment on the registration that notes it was asked for.
EMAIL_MOMENTS = {
    "confirmation": "confirmation_sent_at",
    "offer": "offer_sent_at",
    "day_reminder": "day_reminder_sent_at",
    "hour_reminder": "hour_reminder_sent_at",
    "feedback": "feedback_requested_at",
    "update": "update_sent_at",
    "place_cancelled": "place_cancelled_sent_at",
    "event_cancelled": "event_cancelled_sent_at",
}


def registration_email(*, registration: Registration, kind: str) -> None:
    """Into the outbox (events.emails builds it), in the transaction of the change that asks for
    it. The moment noted on the registration goes with the e-mail: one still waiting when a
    later change asks again (the place given up and taken again, the event moved) finds the
    moment changed and is not sent."""
    now = timezone.now()
    Registration.objects.filter(pk=registration.pk).update(**{EMAIL_MOMENTS[kind]: now})
    setattr(registration, EMAIL_MOMENTS[kind], now)
    outbox.enqueue(
        f"events.{kind}",
        about_id=registration.pk,
        recipient=registration.member_id,
        context={"at": now.isoformat()},
    )


@transaction.atomic
def registration_cancel(*, event: Event, member: User, tell: bool = True) -> None:
    """The member gives up their place (or leaves the waiting list); `tell` False when their
    account is closing, and nothing more may be sent to them."""
    [event] = lock_objects(event)
    _check_not_cancelled(event)
    registration = registration_of(event, member)
    if registration is None:
        raise EventError("You are not registered for this event.")
    held_a_place = registration.status in HOLDS_A_PLACE
    registration.status = Registration.Status.CANCELLED
    registration.offer_expires_at = None
    registration.cancelled_at = timezone.now()
    registration.sequence += 1
    registration.save(update_fields=["status", "offer_expires_at", "cancelled_at", "sequence"])
    # Access and dietary needs are told for one place: given up, they go with it, and a new
    # registration asks again.
    RegistrationAnswer.objects.filter(registration=registration).delete()
    if held_a_place:
        # The confirmation (or the offer) put the event in their calendar: this takes it out.
        if tell and event.starts_at > timezone.now():
            registration_email(registration=registration, kind="place_cancelled")
        _offer_free_places(event)


def _offer_free_places(event: Event) -> None:
    """Called with the event locked: offer each free place to the next person waiting."""
    if event.starts_at <= timezone.now() or event.is_cancelled:
        return
    waiting = Registration.objects.filter(event=event, status=Registration.Status.WAITING).order_by(
        "created_at", "id"
    )
    if event.capacity is not None:
        waiting = waiting[: max(event.capacity - _taken(event), 0)]
    for registration in waiting:
        registration.status = Registration.Status.OFFERED
        registration.offer_expires_at = min(timezone.now() + OFFER_LIFETIME, event.starts_at)
        registration.offer_sent_at = None
        registration.save(update_fields=["status", "offer_expires_at", "offer_sent_at"])
        registration_email(registration=registration, kind="offer")


@transaction.atomic
def offer_claim(*, registration_id: int, member: User) -> Registration:
    registration = Registration.objects.filter(pk=registration_id, member=member).first()
    if registration is None:
        raise EventError("This offer is not for you.")
    [event] = lock_objects(Event(pk=registration.event_id))
    _check_not_cancelled(event)
    registration.refresh_from_db()
    if registration.status == Registration.Status.CONFIRMED:
        raise EventError("Your place is already confirmed.")
    if registration.status != Registration.Status.OFFERED or (
        registration.offer_expires_at and registration.offer_expires_at <= timezone.now()
    ):
        raise EventError("This offer has expired: the place has passed to the next person.")
    _confirm(registration)
    return registration


def _confirm(registration: Registration) -> None:
    """A confirmed place from now, told by e-mail (with the event as a calendar file)."""
    registration.status = Registration.Status.CONFIRMED
    registration.offer_expires_at = None
    registration.confirmation_sent_at = None
    registration.confirmed_at = timezone.now()
    registration.cancelled_at = None
    registration.save()
    _confirm_by_email(registration)


def offers_expire() -> int:
    """Offers not claimed in time pass to the next person waiting."""
    expired = 0
    # A cancelled event's offers are left as they were: nobody is told an offer lapsed, nor
    # offered the place, at an event that will not happen.
    stale = Registration.objects.filter(
        status=Registration.Status.OFFERED,
        offer_expires_at__lte=timezone.now(),
        event__cancelled_at__isnull=True,
    ).values_list("pk", "event_id")
    for registration_id, event_id in stale:
        with transaction.atomic():
            [event] = lock_objects(Event(pk=event_id))
            if event.is_cancelled:
                continue
            lapsed = Registration.objects.filter(
                pk=registration_id,
                status=Registration.Status.OFFERED,
                offer_expires_at__lte=timezone.now(),
            ).update(
                status=Registration.Status.CANCELLED,
                offer_expires_at=None,
                cancelled_at=timezone.now(),
                sequence=F("sequence") + 1,
            )
            if lapsed:
                expired += 1
                registration = Registration.objects.select_related("member").get(pk=registration_id)
                notify(
                    member=registration.member,
                    kind="offer_expired",
                    url=event.get_absolute_url(),
                    message=f"Your offer of a place at {event.title} has expired",
                )
                _offer_free_places(event)
    return expired


@transaction.atomic
def registration_add(*, event: Event, member: User, coordinator: User) -> Registration:
    """Whoever runs the event confirms someone by hand, even beyond the capacity."""
    if not Event.objects.run_by(coordinator).filter(pk=event.pk).exists():
        raise EventError("Only those who run this event can add people by hand.")
    [event] = lock_objects(event)
    _check_not_cancelled(event)
    registration = Registration.objects.filter(event=event, member=member).first()
    if registration is None:
        registration = Registration(event=event, member=member)
    if registration.status != Registration.Status.CONFIRMED:
        _confirm(registration)
    return registration


def attendance_mark(*, registration: Registration, attended: bool) -> None:
    if registration.status != Registration.Status.CONFIRMED:
        raise EventError("Only people with a confirmed place can be checked in.")
    # A door check-in is attendance: undoing the attendance undoes the check-in with it.
    undone = {} if attended else {"checked_in_at": None, "checked_in_by": None}
    Registration.objects.filter(pk=registration.pk).update(attended=attended, **undone)


# --- at the door ----------------------------------------------------------------------------


class CheckIn(NamedTuple):
    """What a check-in came to, in the words the event's team reads at the door."""

    outcome: Literal["checked_in", "already", "refused"]
    message: str
    registration: Registration | None = None


# Why a place that is not confirmed cannot be checked in.
REFUSALS = {
    Registration.Status.CANCELLED: "cancelled their place",
    Registration.Status.WAITING: "is on the waiting list",
    Registration.Status.OFFERED: "was offered a place but has not taken it",
}
CHECK_IN_CODE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def check_in_code_in(text: str) -> str:
    """The code in what was scanned or typed: the code itself, or the check-in address of a QR
    code (a phone's own camera opens it; the page's scanner reads it whole)."""
    text = text.strip()
    if "://" in text:
        try:
            text = (parse_qs(urlsplit(text).query).get("code") or [""])[0]
        except ValueError:  # not an address after all ("https://[bad"): no code in it
            return ""
    return text if CHECK_IN_CODE.fullmatch(text) else ""


def check_in_url(registration: Registration) -> str:
    """What a place's QR code holds: the event's check-in page, with the place's code."""
    path = reverse("events:check_in", args=[registration.event.slug])
    return absolute_url(f"{path}?{urlencode({'code': registration.check_in_code})}")


def registration_for_code(*, event: Event, code: str) -> Registration:
    """The place this code belongs to, at this event; EventError saying why not."""
    code = check_in_code_in(code)
    registration = (
        Registration.objects.filter(check_in_code=code).select_related("member").first()
        if code
        else None
    )
    if registration is None:
        raise EventError("Not checked in: we do not know this code.")
    if registration.event_id != event.pk:
        raise EventError("Not checked in: this code is for another event.")
    return registration


@transaction.atomic
def registration_check_in(
    *,
    event: Event,
    by: User,
    code: str = "",
    registration: Registration | None = None,
) -> CheckIn:
    """Someone at the door, found by name (`registration`) or by the code of their QR code.

    Only a confirmed place is checked in; a second check-in changes nothing and says when the
    first was. The place's row is locked, so two of the team tapping at once check in once."""
    if not Event.objects.run_by(by).filter(pk=event.pk).exists():
        raise EventError("Only those who run this event can check people in.")
    if event.is_cancelled:
        return CheckIn("refused", "This event has been cancelled.")
    if registration is None:
        try:
            registration = registration_for_code(event=event, code=code)
        except EventError as error:
            return CheckIn("refused", error.message)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("member")
        .filter(pk=registration.pk, event=event)
        .first()
    )
    if registration is None:
        return CheckIn("refused", "This person is not registered for this event.")
    name = registration.member.display_name
    if registration.status != Registration.Status.CONFIRMED:
        reason = REFUSALS[registration.status]
        return CheckIn("refused", f"Not checked in: {name} {reason}.", registration)
    if registration.checked_in_at is not None:
        at = timezone.localtime(registration.checked_in_at)
        return CheckIn("already", f"{name} was already checked in at {at:%H:%M}.", registration)
    registration.checked_in_at = timezone.now()
    registration.checked_in_by = by
    registration.attended = True
    registration.save(update_fields=["checked_in_at", "checked_in_by", "attended"])
    return CheckIn("checked_in", f"{name} is checked in.", registration)


def check_in_counts(event: Event) -> dict[str, int]:
    """How many of those with a confirmed place are checked in."""
    return Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).aggregate(
        confirmed=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False))
    )


def check_in_list(event: Event, text: str) -> QuerySet[Registration]:
    """Everyone registered (but those who gave up their place), by name; `text` narrows it to
    the names that contain it."""
    registrations = (
        Registration.objects.filter(event=event)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("member")
        .order_by("member__name", "pk")
    )
    text = search_text(text, length=100)
    if text:
        registrations = registrations.filter(member__name__icontains=text)
    return registrations


def check_in_qr(registration: Registration) -> segno.QRCode | None:
    """The QR code a member shows at the door: for a confirmed place at an event with a door
    (not one only online), until it has ended. It holds the place's check-in address."""
    event = registration.event
    if (
        registration.status != Registration.Status.CONFIRMED
        or event.format == Event.Format.ONLINE
        or event.is_cancelled
        or event.has_ended
    ):
        return None
    return segno.make(check_in_url(registration), error="m")


@transaction.atomic
def event_update(*, event: Event, changed: list[str], editor: User) -> None:
    """After a coordinator's edit: more places go to those waiting; a new time reaches the
    people registered, their calendars and their reminders."""
    [event] = lock_objects(event)
    event_index(event)  # the form has saved the new words and tags by now
    if set(CALENDAR_FIELDS) & set(changed):
        Event.objects.filter(pk=event.pk).update(sequence=F("sequence") + 1)
        upcoming = Registration.objects.filter(event=event).exclude(
            status=Registration.Status.CANCELLED
        )
        if {"starts_at", "ends_at"} & set(changed):
            upcoming.update(day_reminder_sent_at=None, hour_reminder_sent_at=None)
        when = timezone.localtime(event.starts_at)
        for registration in upcoming.select_related("member"):
            notify(
                member=registration.member,
                kind="event_changed",
                actor=editor,
                url=event.get_absolute_url(),
                message=f"{event.title} has changed: now {when:%A %d %B %Y at %H:%M}",
            )
        # Those with a place have the event in their calendar: an update with the same UID and
        # the higher SEQUENCE moves their copy (RFC 5546 REQUEST).
        if event.starts_at > timezone.now():
            _email_each(upcoming.filter(status=Registration.Status.CONFIRMED), kind="update")
    if "capacity" in changed:
        _offer_free_places(event)


def _check_not_cancelled(event: Event) -> None:
    if event.is_cancelled:
        raise EventError("This event has been cancelled.")


def _email_each(registrations: QuerySet[Registration], *, kind: str) -> int:
    """One e-mail of this kind for each registration, claimed by its moment as
    registration_email does, in the caller's transaction."""
    now = timezone.now()
    found = list(registrations.order_by("pk").values_list("pk", "member_id"))
    Registration.objects.filter(pk__in=[pk for pk, _ in found]).update(**{EMAIL_MOMENTS[kind]: now})
    outbox.enqueue_many(
        f"events.{kind}",
        (
            {"about_id": pk, "recipient_id": member_id, "context": {"at": now.isoformat()}}
            for pk, member_id in found
        ),
    )
    return len(found)


@transaction.atomic
def event_cancel(*, event: Event, canceller: User, message: str) -> int:
    """The event will not happen: everyone with a place, an offer or a place on the waiting
    list is told why, with a calendar file that takes it out of their calendar. The places
    stay as they were, so that their calendars keep it, marked cancelled. It cannot be undone.
    Answers how many were told."""
    if not Event.objects.cancellable_by(canceller).filter(pk=event.pk).exists():
        raise EventError("Only those who run this event, or moderate its community, can cancel it.")
    text = message.strip()
    if not text:
        raise EventError("Say why the event is cancelled: everyone registered will read it.")
    [event] = lock_objects(event)
    if event.is_cancelled:
        raise EventError("This event has already been cancelled.")
    if event.has_ended:
        raise EventError("This event has already taken place.")
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        cancelled_at=now, cancellation_message=text, sequence=F("sequence") + 1, modified_at=now
    )
    event.refresh_from_db()
    told = _email_each(
        Registration.objects.filter(
            event=event, status__in=[*HOLDS_A_PLACE, Registration.Status.WAITING]
        ),
        kind="event_cancelled",
    )
    audit_record(
        actor=canceller,
        action=Action.EVENT_CANCELLED,
        detail=f"{event.title} ({event.starts_at:%Y-%m-%d}); {told} people told",
    )
    return told


def registrants_message(*, event: Event, coordinator: User, message: str) -> int:
    """Tell everyone with a place (or an offer) something about the event."""
    text = " ".join(message.split())
    if not text:
        raise EventError("Write the message to send.")
    registrations = Registration.objects.filter(
        event=event, status__in=HOLDS_A_PLACE
    ).select_related("member")
    for registration in registrations:
        notify(
            member=registration.member,
            kind="event_message",
            url=event.get_absolute_url(),
            actor=coordinator,
            message=f"{event.title}: {text}"[:300],
        )
    return len(registrations)


# --- registration questions -----------------------------------------------------------------

DEFAULT_QUESTION = "Do you have access or dietary needs?"
MOST_QUESTIONS = 20


def questions_of(event: Event) -> list[RegistrationQuestion]:
    return list(RegistrationQuestion.objects.filter(event=event))


def questions_with_answers(
    event: Event, registration: Registration | None
) -> list[RegistrationQuestion]:
    """The event's questions, each with `your_answer`: the registration's answer, or None."""
    answers = RegistrationAnswer.objects.filter(
        question=OuterRef("pk"), registration_id=registration.pk if registration else None
    )
    return list(
        RegistrationQuestion.objects.filter(event=event).annotate(
            your_answer=Subquery(answers.values("answer")[:1])
        )
    )


def questions_default(*, event: Event) -> None:
    """What every new event asks unless its team removes it: organisers of a room need to know."""
    RegistrationQuestion.objects.create(
        event=event, position=1, text=DEFAULT_QUESTION, kind=RegistrationQuestion.Kind.SHORT_TEXT
    )


def question_add(*, question: RegistrationQuestion) -> None:
    """After the event's other questions."""
    last = RegistrationQuestion.objects.filter(event_id=question.event_id).aggregate(
        last=Max("position")
    )["last"]
    question.position = (last or 0) + 1
    question.save()


@transaction.atomic
def question_move(*, question: RegistrationQuestion, up: bool) -> None:
    """One place up or down; the event's questions are numbered afresh, so that positions that
    were equal (or had gaps) end up in the order members see."""
    questions = list(
        RegistrationQuestion.objects.filter(event_id=question.event_id).select_for_update()
    )
    at = next(index for index, each in enumerate(questions) if each.pk == question.pk)
    to = at - 1 if up else at + 1
    if not 0 <= to < len(questions):
        return
    questions[at], questions[to] = questions[to], questions[at]
    for position, each in enumerate(questions, start=1):
        each.position = position
    RegistrationQuestion.objects.bulk_update(questions, ["position"])


def question_remove(*, question: RegistrationQuestion) -> int:
    """The question goes, and every answer given to it. Answers how many answers went."""
    answered = question.answers.count()
    question.delete()
    return answered


def answers_of(registration: Registration) -> dict[int, str]:
    return dict(
        RegistrationAnswer.objects.filter(registration=registration).values_list(
            "question_id", "answer"
        )
    )


@transaction.atomic
def registration_answers_change(*, registration: Registration, answers: dict[int, str]) -> None:
    """The member changes their answers, until the event starts."""
    [event, registration] = lock_objects(Event(pk=registration.event_id), registration)
    _check_not_cancelled(event)
    if registration.status == Registration.Status.CANCELLED:
        raise EventError("You are not registered for this event.")
    if event.starts_at <= timezone.now():
        raise EventError("This event has already started: your answers can no longer change.")
    _check_answers(event, answers)
    _answers_save(registration, answers)


def _clean_answer(text) -> str:
    return single_line(str(text or "")).strip()


def _check_answers(event: Event, answers: dict[int, str]) -> None:
    for question in RegistrationQuestion.objects.filter(event=event):
        answer = _clean_answer(answers.get(question.pk))
        if question.required and not answer:
            raise EventError(f"Answer the question “{question.text}”.")
        if answer and question.choice_list and answer not in question.choice_list:
            raise EventError(f"Choose one of the answers offered to “{question.text}”.")


def _answers_save(registration: Registration, answers: dict[int, str]) -> None:
    """One answer per question of the event; a question left blank keeps no answer. Answers to
    another event's questions are not taken."""
    for question in RegistrationQuestion.objects.filter(event_id=registration.event_id):
        answer = _clean_answer(answers.get(question.pk))[:500]
        if answer:
            RegistrationAnswer.objects.update_or_create(
                registration=registration, question=question, defaults={"answer": answer}
            )
        else:
            RegistrationAnswer.objects.filter(registration=registration, question=question).delete()


# --- calendars ------------------------------------------------------------------------------


# What a calendar copy of the event shows: a change to any of these raises its SEQUENCE.
CALENDAR_FIELDS = ["starts_at", "ends_at", "venue", "address", "format"]


def calendar_for(
    events: list[Event],
    *,
    places: dict[int, Registration] | None = None,
    method: str | None = None,
) -> bytes:
    """The events as an iCalendar file. `places`: the member's registration at each event, for
    a member's own copy (their feed, their e-mails): its STATUS follows their place as well as
    the event. `method` (RFC 5546) for an e-mail's calendar: REQUEST names the site as the
    ORGANIZER and the member as the ATTENDEE, CANCEL takes the event out of their calendar."""
    places = places or {}
    now = timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", settings.SITE_NAME)
    if method:
        calendar.add("method", method)
    for event in events:
        registration = places.get(event.pk)
        place_given_up = (
            registration is not None and registration.status == Registration.Status.CANCELLED
        )
        cancelled = event.is_cancelled or place_given_up or method == "CANCEL"
        modified = max(
            [event.modified_at, *([registration.cancelled_at] if place_given_up else [])]
        )
        entry = icalendar.Event()
        entry.add("uid", f"event-{event.pk}@{site_address()}")
        # With a METHOD, DTSTAMP is when this message was made; without, it is the last
        # revision (RFC 5545 3.8.7.2).
        entry.add("dtstamp", now if method else modified)
        entry.add("last-modified", modified)
        entry.add(
            "sequence",
            event.sequence + (registration.sequence if registration else 0),
        )
        entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("summary", f"Cancelled: {event.title}" if event.is_cancelled else event.title)
        description = f"{event.summary}\n\n{absolute_url(event.get_absolute_url())}"
        series = event.part_of
        if series is not None:
            description = (
                f"Part of the series {series.title}: "
                f"{absolute_url(series.get_absolute_url())}\n\n{description}"
            )
        if event.is_cancelled:
            description = f"{event.cancellation_message}\n\n{description}"
        entry.add("description", description)
        entry.add("location", full_location(event))
        entry.add("url", absolute_url(event.get_absolute_url()))
        if method and registration is not None:
            _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
            entry.add("organizer", f"mailto:{address}", parameters={"CN": settings.SITE_NAME})
            attendee = {"CN": registration.member.display_name, "ROLE": "REQ-PARTICIPANT"}
            if registration.status == Registration.Status.CONFIRMED and not cancelled:
                attendee["PARTSTAT"] = "ACCEPTED"
            elif place_given_up:
                attendee["PARTSTAT"] = "DECLINED"
            entry.add("attendee", f"mailto:{registration.member.email}", parameters=attendee)
        calendar.add_component(entry)
    return calendar.to_ical()


def full_location(event: Event) -> str:
    """Where the event happens, in one line: the venue and its address, and online if it is."""
    place = ", ".join(
        line.strip() for line in [event.venue, *event.address.splitlines()] if line.strip()
    )
    if event.format == Event.Format.ONLINE:
        return "Online"
    if event.format == Event.Format.HYBRID:
        return f"{place}, and online" if place else "Online"
    return place or event.get_format_display()


def feed_for(member: User) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(member=member)
    return feed


def feed_reset(member: User) -> CalendarFeed:
    """A new secret address: the old one stops working at once."""
    feed = feed_for(member)
    from events.models import calendar_token

    feed.token = calendar_token()
    feed.save(update_fields=["token"])
    return feed


def member_events(member: User) -> QuerySet[Event]:
    """The events the member has a place at, for their calendar: those they may still see."""
    return Event.objects.visible_to(member).filter(
        registrations__member=member, registrations__status__in=HOLDS_A_PLACE
    )


def member_calendar(member: User) -> bytes:
    """The member's own feed: the events they have a place at, and until it has passed each
    event whose place they gave up (or whose offer lapsed), marked cancelled, so that their
    calendar takes it out rather than keeping a stale copy (a feed that drops an event leaves
    it there in many calendar programs)."""
    given_up = Registration.objects.filter(
        member=member,
        status=Registration.Status.CANCELLED,
        event__ends_at__gt=timezone.now(),
    ).exclude(confirmed_at__isnull=True, offer_sent_at__isnull=True)
    registrations = Registration.objects.filter(member=member, status__in=HOLDS_A_PLACE) | given_up
    places = {
        registration.event_id: registration
        for registration in registrations.select_related("member")
    }
    events = (
        for_viewer(Event.objects.visible_to(member), member)
        .filter(pk__in=list(places))
        .select_related("series")
        .order_by("starts_at")
    )
    return calendar_for(list(events), places=places)


# --- series ---------------------------------------------------------------------------------


def series_sessions(series: Series, viewer) -> QuerySet[Event]:
    """The sessions of the series the viewer may see, in order, with their places taken and
    (for a member) their own place at each, `my_status`."""
    sessions = event_listing(
        Event.objects.visible_to(viewer).filter(series=series), viewer
    ).order_by("starts_at", "pk")
    if viewer.is_authenticated:
        sessions = sessions.annotate(
            my_status=Subquery(
                Registration.objects.filter(event=OuterRef("pk"), member=viewer)
                .exclude(status=Registration.Status.CANCELLED)
                .values("status")[:1]
            )
        )
    return sessions


def series_position(event: Event, viewer) -> tuple[int, int]:
    """Which of its series' sessions the event is, and of how many, counting those the viewer
    may see."""
    sessions = list(
        Event.objects.visible_to(viewer)
        .filter(series_id=event.series_id)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    return sessions.index(event.pk) + 1, len(sessions)


def series_upcoming(series: Series, viewer) -> QuerySet[Event]:
    """The sessions still to come, as "the whole series" means when a member registers."""
    return (
        Event.objects.visible_to(viewer)
        .filter(series=series, starts_at__gt=timezone.now(), cancelled_at__isnull=True)
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class SessionOutcome:
    """What registering did at one session."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    ALREADY = "already"
    CLOSED = "closed"
    # The session asks a question the member must answer: they register on its own page.
    ASK_FIRST = "ask_first"

    event: Event
    outcome: str
    reason: str = ""
    # How many questions the session asks: a series' form cannot ask each session's own, so
    # the member answers them on each session's page, where the next page sends them.
    questions: int = 0


def series_register(*, series: Series, member: User, events: list[Event]) -> list[SessionOutcome]:
    """Register the member for each chosen session of the series, one session at a time, each
    through registration_create (its lock, its places, its waiting list): a full one puts them
    on its waiting list, a closed one is left with the reason. What happened at each session, in
    order of their start."""
    outcomes = []
    for event in sorted(events, key=lambda event: (event.starts_at, event.pk)):
        if event.series_id != series.pk:
            raise EventError(f"{event.title} is not a session of {series.title}.")
        if registration_of(event, member) is not None:
            outcomes.append(SessionOutcome(event, SessionOutcome.ALREADY))
            continue
        if RegistrationQuestion.objects.filter(event=event, required=True).exists():
            outcomes.append(SessionOutcome(event, SessionOutcome.ASK_FIRST))
            continue
        try:
            registration = registration_create(event=event, member=member)
        except EventError as error:
            # Pressed twice at once: the other press registered them.
            already = registration_of(event, member) is not None
            outcomes.append(
                SessionOutcome(event, SessionOutcome.ALREADY)
                if already
                else SessionOutcome(event, SessionOutcome.CLOSED, error.message)
            )
            continue
        confirmed = registration.status == Registration.Status.CONFIRMED
        outcomes.append(
            SessionOutcome(event, SessionOutcome.CONFIRMED if confirmed else SessionOutcome.WAITING)
        )
    asking = dict(
        RegistrationQuestion.objects.filter(event__in=[outcome.event for outcome in outcomes])
        .values("event")
        .annotate(count=Count("pk"))
        .values_list("event", "count")
    )
    return [
        outcome
        if outcome.outcome in (SessionOutcome.CLOSED, SessionOutcome.ASK_FIRST)
        else replace(outcome, questions=asking.get(outcome.event.pk, 0))
        for outcome in outcomes
    ]
