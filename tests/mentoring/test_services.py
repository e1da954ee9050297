import threading

import pytest
from django.db import close_old_connections, connection

from members.models import Notification
from mentoring.models import Approach, Match, MentoringRequest, MentorOffer
from mentoring.services import (
    MentoringError,
    approach_accept,
    approach_decline,
    approaches_expire,
    needs_of,
    request_create,
    request_withdraw,
    suggestions,
)
from tests.concurrency import wait_for_lock_waiters
from tests.factories import ProfileFactory
from tests.mentoring.conftest import make_mentor

pytestmark = pytest.mark.django_db


def ask(mentee, mentors, topics, **preferences):
    return request_create(
        mentee=mentee,
        goals="Spread our frailty huddles to three wards.",
        area_ids=[topics["Frailty"].pk, topics["Falls prevention"].pk],
        mentor_ids=[mentor.pk for mentor in mentors],
        **preferences,
    )


# --- scoring and suggestions ----------------------------------------------------------------


def test_suggestions_are_ranked_and_explained(mentee, topics):
    best = make_mentor(
        "Best Fit", areas=[topics["Frailty"], topics["Falls prevention"]], capacity=2
    )
    make_mentor("Some Fit", areas=[topics["Frailty"]])
    make_mentor("Paused", areas=[topics["Frailty"]], paused=True)
    full = make_mentor("Full Up", areas=[topics["Frailty"], topics["Falls prevention"]])
    Match.objects.create(
        request=MentoringRequest.objects.create(mentee=ProfileFactory().member, goals="g"),
        mentor=full,
        mentee=ProfileFactory().member,
        goals="g",
    )
    request = MentoringRequest(mentee=mentee, goals="x")
    request.save()
    request.areas.set([topics["Frailty"], topics["Falls prevention"]])

    ranked = suggestions(needs_of(request))

    assert [suggestion.offer.mentor.name for suggestion in ranked] == ["Best Fit", "Some Fit"]
    assert ranked[0].offer.mentor == best
    assert ranked[0].reasons[:2] == ["shares 2 of your 2 areas", "different organisation"]
    assert ranked[0].reasons[-1] == "2 places free"


def test_mentors_sharing_no_area_come_after_every_real_match_however_they_score(mentee, topics):
    make_mentor("Weak But Roomy", areas=[topics["Dementia"]], capacity=3)
    make_mentor("Real Fit", areas=[topics["Frailty"]])
    request = MentoringRequest.objects.create(mentee=mentee, goals="x")
    request.areas.set([topics["Frailty"]])

    ranked = suggestions(needs_of(request))

    assert [(s.offer.mentor.name, s.shares_areas) for s in ranked] == [
        ("Real Fit", True),
        ("Weak But Roomy", False),
    ]


# --- the request cascade --------------------------------------------------------------------


def test_the_first_choice_is_asked_and_a_decline_passes_it_to_the_next(mentee, topics):
    first = make_mentor("First Choice", areas=[topics["Frailty"]])
    second = make_mentor("Second Choice", areas=[topics["Frailty"]])

    request = ask(mentee, [first, second], topics)
    approaches = list(request.approaches.all())
    assert [approach.status for approach in approaches] == ["pending", "queued"]
    assert Notification.objects.filter(recipient=first, kind="mentoring_request").exists()
    assert not Notification.objects.filter(recipient=second).exists()

    approach_decline(approach=approaches[0], mentor=first, message="Away until spring")

    assert Approach.objects.get(mentor=second).status == Approach.Status.PENDING
    told = Notification.objects.get(recipient=mentee, kind="mentoring_declined")
    assert "Away until spring" in told.text


def test_an_unanswered_request_expires_and_moves_on(mentee, topics):
    from datetime import timedelta

    from django.utils import timezone

    first = make_mentor("Slow", areas=[topics["Frailty"]])
    request = ask(mentee, [first], topics)
    Approach.objects.update(due_at=timezone.now() - timedelta(minutes=1))

    assert approaches_expire() == 1
    request.refresh_from_db()
    assert request.status == MentoringRequest.Status.UNMATCHED
    assert Notification.objects.filter(recipient=mentee, kind="mentoring_unmatched").exists()


def test_acceptance_makes_a_relationship_and_withdraws_the_rest(mentee, topics):
    first, second = (make_mentor(name, areas=[topics["Frailty"]]) for name in ("One", "Two"))
    request = ask(mentee, [first, second], topics)

    match = approach_accept(approach=request.approaches.get(mentor=first), mentor=first)

    assert match.mentee == mentee and match.goals.startswith("Spread our frailty")
    assert list(request.approaches.values_list("status", flat=True)) == ["accepted", "withdrawn"]
    with pytest.raises(MentoringError, match="already been answered"):
        approach_accept(approach=request.approaches.get(mentor=first), mentor=first)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "cannot ask yourself"),
        ("paused", "not taking new mentees"),
        ("full", "not taking new mentees"),
        ("four", "up to three"),
        ("twice", "already have a request"),
    ],
)
def test_impossible_requests_get_a_clear_message(mentee, topics, case, message):
    available = make_mentor("Available", areas=[topics["Frailty"]])
    mentors = {
        "self": [mentee],
        "paused": [make_mentor("Paused", areas=[topics["Frailty"]], paused=True)],
        "full": [make_mentor("Full", areas=[topics["Frailty"]], capacity=1)],
        "four": [make_mentor(f"M{n}", areas=[topics["Frailty"]]) for n in range(4)],
        "twice": [available],
    }[case]
    if case == "self":
        MentorOffer.objects.create(mentor=mentee, offer="x")
    if case == "full":
        Match.objects.create(
            request=MentoringRequest.objects.create(mentee=ProfileFactory().member, goals="g"),
            mentor=mentors[0],
            mentee=ProfileFactory().member,
            goals="g",
        )
    if case == "twice":
        ask(mentee, [available], topics)

    before = MentoringRequest.objects.count()
    with pytest.raises(MentoringError, match=message):
        ask(mentee, mentors, topics)
    assert MentoringRequest.objects.count() == before


def test_a_mentee_withdraws_and_the_mentor_can_no_longer_accept(mentee, topics):
    mentor = make_mentor("Mentor", areas=[topics["Frailty"]])
    request = ask(mentee, [mentor], topics)

    request_withdraw(request=request, mentee=mentee)

    with pytest.raises(MentoringError, match="already been answered"):
        approach_accept(approach=request.approaches.get(), mentor=mentor)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_accepting_many_at_once_never_exceeds_the_capacity(topics):
    mentor = make_mentor("Popular Mentor", areas=[topics["Frailty"]], capacity=2)
    approaches = []
    for number in range(8):
        mentee = ProfileFactory(member__name=f"Mentee {number}").member
        approaches.append(ask(mentee, [mentor], topics).approaches.get())
    start = threading.Barrier(len(approaches))
    refused = []

    def accept(approach):
        try:
            start.wait()
            approach_accept(approach=approach, mentor=mentor)
        except MentoringError:
            refused.append(approach.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=[approach]) for approach in approaches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()

    assert Match.objects.filter(mentor=mentor, status="active").count() == 2
    assert len(refused) == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_a_mentors_account_while_they_decline_leaves_the_request_with_the_next(topics):
    from django.db import transaction

    from members.services import member_erase

    mentee = ProfileFactory(member__name="Mina Mentee").member
    gone = make_mentor("Gone", areas=[topics["Frailty"]])
    backup = make_mentor("Backup", areas=[topics["Frailty"]])
    request = ask(mentee, [gone, backup], topics)
    declined, release = threading.Event(), threading.Event()
    failures = []

    def decline_and_wait():
        # The decline has passed the request to Backup, not yet committed, when the erasure starts.
        try:
            with transaction.atomic():
                approach_decline(approach=request.approaches.get(mentor=gone), mentor=gone)
                declined.set()
                release.wait(timeout=30)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    def erase():
        try:
            declined.wait(timeout=30)
            member_erase(gone)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=decline_and_wait), threading.Thread(target=erase)]
    for thread in threads:
        thread.start()
    declined.wait(timeout=30)
    wait_for_lock_waiters(1)  # the erasure waits for the decline to finish
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()

    assert failures == []
    request.refresh_from_db()
    assert request.status == MentoringRequest.Status.OPEN
    statuses = dict(request.approaches.values_list("mentor__name", "status"))
    assert statuses == {"": "declined", "Backup": "pending"}
    assert not Notification.objects.filter(recipient=mentee, kind="mentoring_unmatched").exists()
    assert Notification.objects.filter(recipient=backup, kind="mentoring_request").count() == 1


# --- cohorts and the cascade's edges -----------------------------------------------------------


def test_the_cascade_skips_a_mentor_who_paused_since_being_chosen(mentee, topics):
    first, second, third = (
        make_mentor(name, areas=[topics["Frailty"]]) for name in ("First", "Second", "Third")
    )
    request = ask(mentee, [first, second, third], topics)
    MentorOffer.objects.filter(mentor=second).update(paused=True)

    approach_decline(approach=request.approaches.get(mentor=first), mentor=first)

    statuses = dict(request.approaches.values_list("mentor__name", "status"))
    assert statuses == {"First": "declined", "Second": "expired", "Third": "pending"}


def test_a_mentor_who_fills_up_passes_their_other_requests_on(topics):
    mentor = make_mentor("Busy", areas=[topics["Frailty"]], capacity=1)
    backup = make_mentor("Backup", areas=[topics["Frailty"]])
    first = ask(ProfileFactory().member, [mentor], topics)
    second = ask(ProfileFactory().member, [mentor, backup], topics)

    approach_accept(approach=first.approaches.get(), mentor=mentor)

    assert second.approaches.get(mentor=backup).status == Approach.Status.PENDING


def test_closing_a_mentors_account_passes_requests_on_and_blanks_what_was_said(mentee, topics):
    from members.services import member_erase

    gone = make_mentor("Gone", areas=[topics["Frailty"]])
    backup = make_mentor("Backup", areas=[topics["Frailty"]])
    request = ask(mentee, [gone, backup], topics)

    member_erase(gone)

    assert request.approaches.get(mentor=backup).status == Approach.Status.PENDING
    erased_mentee = ProfileFactory().member
    other = ask(erased_mentee, [backup], topics)
    member_erase(erased_mentee)
    other.refresh_from_db()
    assert other.status == MentoringRequest.Status.WITHDRAWN and other.goals == ""
    with pytest.raises(MentoringError):
        approach_accept(approach=other.approaches.get(), mentor=backup)


def test_a_mentee_never_has_two_open_requests_even_pressing_twice(mentee, topics):
    from django.db import IntegrityError

    MentoringRequest.objects.create(mentee=mentee, goals="first")

    with pytest.raises(IntegrityError):
        MentoringRequest.objects.create(mentee=mentee, goals="second")
