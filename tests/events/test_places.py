import re
import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from base.models import Email
from events.models import Event, Registration
from events.services import (
    EventError,
    event_update,
    offer_claim,
    offers_expire,
    registration_cancel,
    registration_create,
)
from events.tasks import sweep_event_emails
from members.models import Notification
from tests.events.calendars import calendar_in, only_event
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.mail import send_queued

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
    assert str(send_queued(kind="events.offer")) == "1 sent"
    assert str(send_queued(kind="events.offer")) == "nothing to send"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [waiting.email]
    assert f"/events/{masterclass.slug}/claim/{offer.pk}/" in mailoutbox[0].body
    part, calendar = calendar_in(mailoutbox[0])
    assert part.get_filename() == f"{masterclass.slug}.ics"
    # An offer is not a place yet: the event is published to them, not an invitation.
    assert calendar["METHOD"] == "PUBLISH"

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
    registration_create(event=event, member=attendee)
    Registration.objects.update(confirmed_at=timezone.now() - timedelta(days=3))
    return event


@pytest.mark.parametrize(
    "kind, starts_in",
    [("day_reminder", timedelta(hours=20)), ("hour_reminder", timedelta(minutes=40))],
)
def test_each_reminder_goes_once_however_often_the_sweep_and_the_sending_run(
    coordinator, attendee, kind, starts_in, mailoutbox
):
    event = make_event(coordinator, "Soon", starts_in=starts_in)
    registration_create(event=event, member=attendee)
    Registration.objects.update(confirmed_at=timezone.now() - timedelta(days=3))

    first, second = sweep_event_emails(), sweep_event_emails()
    sent = [str(send_queued(kind=f"events.{kind}")) for _ in range(2)]

    assert (first[kind], second[kind]) == (1, 0)
    assert sent == ["1 sent", "nothing to send"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [attendee.email]


def test_a_reminder_that_waited_too_long_in_the_queue_is_not_sent(tomorrow, attendee, mailoutbox):
    assert sweep_event_emails()["day_reminder"] == 1
    tomorrow.starts_at = timezone.now() - timedelta(minutes=5)
    tomorrow.save()

    assert str(send_queued(kind="events.day_reminder")) == "1 skipped"
    assert mailoutbox == []


def test_a_reminder_of_a_time_the_event_no_longer_has_is_not_sent(
    tomorrow, attendee, coordinator, mailoutbox
):
    assert sweep_event_emails()["day_reminder"] == 1
    Event.objects.filter(pk=tomorrow.pk).update(starts_at=F("starts_at") + timedelta(hours=2))
    event_update(event=tomorrow, changed=["starts_at"], editor=coordinator)

    assert str(send_queued(kind="events.day_reminder")) == "1 skipped"
    assert sweep_event_emails()["day_reminder"] == 1, "the reminder of the new time"
    assert str(send_queued(kind="events.day_reminder")) == "1 sent"
    assert len(mailoutbox) == 1


def test_an_email_that_cannot_be_built_is_not_retried_or_sent_again(tomorrow, attendee, mailoutbox):
    sweep_event_emails()
    # A line break in the title, as events saved before titles were one line had.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE events_event SET title = %s WHERE id = %s",
            ["Tomorrow's webinar\nBcc: everyone@example.org", tomorrow.pk],
        )

    batch = send_queued(kind="events.day_reminder")

    assert str(batch) == "1 failed" and batch.retry_in is None, "given up at once, not retried"
    assert str(send_queued(kind="events.day_reminder")) == "nothing to send"
    assert sweep_event_emails()["day_reminder"] == 0
    assert mailoutbox == []


def test_an_unreachable_mail_server_leaves_the_reminder_for_a_later_try(
    tomorrow, attendee, settings, mailoutbox
):
    sweep_event_emails()
    backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard

    assert send_queued(kind="events.day_reminder").retry_in == 60

    (reminder,) = Email.objects.filter(kind="events.day_reminder")
    assert (reminder.status, reminder.attempts) == (Email.Status.QUEUED, 1)
    assert str(send_queued(kind="events.day_reminder")) == "nothing to send", "not before the wait"
    settings.EMAIL_BACKEND = backend  # the server is back, and the wait has passed
    Email.objects.update(not_before=timezone.now())
    assert str(send_queued(kind="events.day_reminder")) == "1 sent"
    assert len(mailoutbox) == 1


def test_the_sweep_sends_each_reminder_once_and_none_to_cancelled_or_waiting(
    coordinator, attendee, mailoutbox
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
    send_queued(kind="events.day_reminder")

    assert first["day_reminder"] == 1 and second["day_reminder"] == 0
    assert [message.to for message in mailoutbox] == [[attendee.email]]
    assert mailoutbox[0].subject.endswith("Tomorrow: Tiny")


def test_the_sweep_asks_for_feedback_once_the_event_has_ended(coordinator, attendee, mailoutbox):
    past = make_event(coordinator, "Yesterday", starts_in=-timedelta(hours=26))
    Registration.objects.create(
        event=past, member=attendee, status="confirmed", confirmation_sent_at=timezone.now()
    )

    assert sweep_event_emails()["feedback"] == 1
    assert sweep_event_emails()["feedback"] == 0
    send_queued()
    assert "How was Yesterday?" in mailoutbox[0].subject
    assert f"http://127.0.0.1:8000/events/{past.slug}/feedback/" in mailoutbox[0].body


def test_a_confirmation_comes_with_the_event_as_a_calendar_file(webinar, attendee, mailoutbox):
    registration_create(event=webinar, member=attendee)

    assert str(send_queued()) == "1 sent"
    (message,) = mailoutbox
    assert message.subject == f"[Improvement Network] Your place at {webinar.title}"
    assert f"http://127.0.0.1:8000/events/{webinar.slug}/" in message.body
    part, calendar = calendar_in(message)
    assert part.get_filename() == f"{webinar.slug}.ics"
    assert only_event(calendar)["URL"] == f"http://127.0.0.1:8000/events/{webinar.slug}/"


def test_cancelled_and_waiting_people_get_no_reminders(tomorrow, attendee, mailoutbox):
    waiting = ProfileFactory().member
    registration_create(event=tomorrow, member=waiting)
    Registration.objects.filter(member=waiting).update(status=Registration.Status.WAITING)
    assert sweep_event_emails()["day_reminder"] == 1, "queued for the attendee"

    registration_cancel(event=tomorrow, member=attendee)
    Registration.objects.filter(member=waiting).update(status=Registration.Status.WAITING)

    assert str(send_queued(kind="events.day_reminder")) == "1 skipped"
    assert sweep_event_emails()["day_reminder"] == 0
    assert mailoutbox == []


def test_a_full_event_invites_others_to_wait_but_not_the_member_with_the_place(
    client, masterclass, attendee, member
):
    registration_create(event=masterclass, member=attendee)
    client.force_login(attendee)
    mine = client.get(masterclass.get_absolute_url()).content.decode()
    client.force_login(member)
    theirs = client.get(masterclass.get_absolute_url()).content.decode()
    assert "Full: join the waiting list" not in mine and re.search(r">Full\s*<", mine)
    assert "Full: join the waiting list" in theirs
