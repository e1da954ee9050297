import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from events.services import (
    EventError,
    offer_claim,
    offers_expire,
    registration_cancel,
    registration_create,
)
from events.tasks import send_event_email, send_offer, sweep_event_emails
from members.models import Notification
from network.celery import app as celery_app
from tests.events.conftest import make_event
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def statuses(event) -> dict[str, int]:
    counts = {}
    for status in Registration.objects.filter(event=event).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_members_at_once_for_ten_places_never_overbook(coordinator):
    event = make_event(coordinator, "Popular masterclass", capacity=10)
    members = [ProfileFactory().member for _ in range(50)]
    start = threading.Barrier(len(members))
    failures = []

    def press_register(member):
        try:
            start.wait()
            registration_create(event=event, member=member)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press_register, args=[member]) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()

    assert failures == []
    assert statuses(event) == {"confirmed": 10, "waiting": 40}


def test_a_full_event_puts_people_on_the_waiting_list_in_order(masterclass, attendee):
    second, third = ProfileFactory().member, ProfileFactory().member

    first_place = registration_create(event=masterclass, member=attendee)
    registration_create(event=masterclass, member=second)
    registration_create(event=masterclass, member=third)

    assert first_place.status == Registration.Status.CONFIRMED
    assert statuses(masterclass) == {"confirmed": 1, "waiting": 2}


def test_registering_twice_changes_nothing_and_says_why(masterclass, attendee):
    registration_create(event=masterclass, member=attendee)

    with pytest.raises(EventError, match="already registered"):
        registration_create(event=masterclass, member=attendee)
    assert Registration.objects.count() == 1


def test_a_freed_place_is_offered_to_the_first_waiting_and_claimed_from_the_email(
    masterclass, attendee, mailoutbox, django_capture_on_commit_callbacks
):
    waiting = ProfileFactory(member__name="Wendy Waiting").member
    later = ProfileFactory().member
    registration_create(event=masterclass, member=attendee)
    registration_create(event=masterclass, member=waiting)
    registration_create(event=masterclass, member=later)

    registration_cancel(event=masterclass, member=attendee)

    offer = Registration.objects.get(member=waiting)
    assert offer.status == Registration.Status.OFFERED
    assert offer.offer_expires_at - timezone.now() > timedelta(hours=23)
    assert send_offer(offer.pk) == "sent"
    assert send_offer(offer.pk) == "already sent or not wanted"
    assert len(mailoutbox) == 1
    assert f"/events/{masterclass.slug}/claim/{offer.pk}/" in mailoutbox[0].body
    assert mailoutbox[0].attachments[0][0] == f"{masterclass.slug}.ics"

    offer_claim(registration_id=offer.pk, member=waiting)

    assert statuses(masterclass) == {"cancelled": 1, "confirmed": 1, "waiting": 1}


def test_an_offer_not_claimed_in_time_passes_to_the_next(masterclass, attendee):
    first_waiting, second_waiting = ProfileFactory().member, ProfileFactory().member
    for member in (attendee, first_waiting, second_waiting):
        registration_create(event=masterclass, member=member)
    registration_cancel(event=masterclass, member=attendee)
    Registration.objects.filter(member=first_waiting).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert offers_expire() == 1

    assert Registration.objects.get(member=first_waiting).status == Registration.Status.CANCELLED
    assert Registration.objects.get(member=second_waiting).status == Registration.Status.OFFERED
    assert Notification.objects.filter(recipient=first_waiting, kind="offer_expired").exists()
    with pytest.raises(EventError, match="expired"):
        offer_claim(
            registration_id=Registration.objects.get(member=first_waiting).pk, member=first_waiting
        )


def test_registration_outside_its_window_is_refused(coordinator, attendee):
    closed = make_event(coordinator, "Closed already", registration_closes_at=timezone.now())
    not_yet = make_event(
        coordinator, "Not yet", registration_opens_at=timezone.now() + timedelta(days=1)
    )

    with pytest.raises(EventError, match="closed"):
        registration_create(event=closed, member=attendee)
    with pytest.raises(EventError, match="Registration opens on"):
        registration_create(event=not_yet, member=attendee)
    assert not Registration.objects.exists()


def test_one_click_register_and_cancel_in_the_browser_flow(client, webinar, attendee):
    client.force_login(attendee)

    response = client.post(reverse("events:register", args=[webinar.slug]), follow=True)
    assert "Your place is confirmed" in response.content.decode()
    response = client.post(reverse("events:cancel", args=[webinar.slug]), follow=True)
    assert "no longer registered" in response.content.decode()


# --- reminders ------------------------------------------------------------------------------


@pytest.fixture
def tomorrow(coordinator, attendee):
    event = make_event(coordinator, "Tomorrow's webinar", starts_in=timedelta(hours=20))
    confirmed = registration_create(event=event, member=attendee)
    Registration.objects.filter(pk=confirmed.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    return event


@pytest.mark.parametrize("kind", ["day_reminder", "hour_reminder"])
def test_each_reminder_goes_once_however_often_its_task_runs(tomorrow, attendee, kind, mailoutbox):
    registration = Registration.objects.get(member=attendee)

    results = [send_event_email(registration.pk, kind) for _ in range(2)]

    assert results == ["sent", "already sent or not wanted"]
    assert len(mailoutbox) == 1


def test_a_reminder_that_waited_too_long_in_the_queue_is_not_sent(tomorrow, attendee, mailoutbox):
    tomorrow.starts_at = timezone.now() - timedelta(minutes=5)
    tomorrow.save()

    assert send_event_email(Registration.objects.get(member=attendee).pk, "day_reminder") == (
        "no longer due"
    )
    assert mailoutbox == []


def test_an_email_that_cannot_be_built_is_not_retried_or_sent_again(tomorrow, attendee, mailoutbox):
    registration = Registration.objects.get(member=attendee)
    # A line break in the title, as events saved before titles were one line had.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE events_event SET title = %s WHERE id = %s",
            ["Tomorrow's webinar\nBcc: everyone@example.org", tomorrow.pk],
        )

    result = send_event_email.apply(args=[registration.pk, "day_reminder"])

    assert result.get() == "failed", "given up at once, not retried"
    assert send_event_email(registration.pk, "day_reminder") == "already sent or not wanted"
    assert mailoutbox == []


def test_an_unreachable_mail_server_leaves_the_reminder_for_a_later_try(
    tomorrow, attendee, settings
):
    registration = Registration.objects.get(member=attendee)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard

    # Called directly, a task's retry raises the error it would retry on.
    with pytest.raises(ConnectionRefusedError):
        send_event_email(registration.pk, "day_reminder")

    registration.refresh_from_db()
    assert registration.day_reminder_sent_at is None, "the sweep sends it once the server is back"


@pytest.fixture
def eager_tasks():
    """Tasks run where they are queued: the sweep's own work, start to end, in this test."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_the_sweep_sends_each_reminder_once_and_none_to_cancelled_or_waiting(
    coordinator, attendee, mailoutbox, eager_tasks
):
    event = make_event(coordinator, "Tiny", capacity=1, starts_in=timedelta(hours=20))
    waiting, cancelled = ProfileFactory().member, ProfileFactory().member
    for member in (attendee, waiting, cancelled):
        registration_create(event=event, member=member)
    Registration.objects.filter(member=cancelled).update(status=Registration.Status.CANCELLED)
    Registration.objects.update(
        confirmed_at=timezone.now() - timedelta(days=3), confirmation_sent_at=timezone.now()
    )

    first, second = sweep_event_emails(), sweep_event_emails()

    assert first["day_reminder"] == 1 and second["day_reminder"] == 0
    assert [message.to for message in mailoutbox] == [[attendee.email]]
    assert mailoutbox[0].subject.endswith("Tomorrow: Tiny")


def test_the_sweep_asks_for_feedback_once_the_event_has_ended(
    coordinator, attendee, mailoutbox, eager_tasks
):
    past = make_event(coordinator, "Yesterday", starts_in=-timedelta(hours=26))
    Registration.objects.create(
        event=past, member=attendee, status="confirmed", confirmation_sent_at=timezone.now()
    )

    assert sweep_event_emails()["feedback"] == 1
    assert sweep_event_emails()["feedback"] == 0
    assert "How was Yesterday?" in mailoutbox[0].subject


def test_cancelled_and_waiting_people_get_no_reminders(coordinator, attendee, mailoutbox):
    event = make_event(coordinator, "Tiny", capacity=1, starts_in=timedelta(hours=20))
    waiting = ProfileFactory().member
    registration_create(event=event, member=attendee)
    registration_create(event=event, member=waiting)
    registration_cancel(event=event, member=attendee)
    Registration.objects.filter(member=waiting).update(status=Registration.Status.WAITING)

    for registration in Registration.objects.filter(event=event):
        send_event_email(registration.pk, "day_reminder")

    assert mailoutbox == []
