"""Cancelling an event, giving up a place, and the calendars that follow: each e-mail's calendar
is read by the icalendar package, strictly, as a mail program would meet it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from base.models import AuditEntry, Email
from communities.models import Community, Membership
from events.emails import queue_due
from events.models import Event, Registration
from events.services import (
    EventError,
    event_cancel,
    event_update,
    feed_for,
    offer_claim,
    offers_expire,
    registration_cancel,
    registration_create,
)
from tests.events.calendars import calendar_in, only_event, parse_strictly
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.mail import send_queued

REASON = "Our speaker is unwell. We will run it again in the spring."


def uid_of(event: Event) -> str:
    return f"event-{event.pk}@127.0.0.1:8000"


def to_second(moment):
    """iCalendar times are to the second."""
    return moment.replace(microsecond=0)


def feed_of(client, member) -> list:
    response = client.get(reverse("events:feed", args=[feed_for(member).token]))
    return parse_strictly(response.content).walk("VEVENT")


@pytest.fixture
def workshop(coordinator):
    return make_event(
        coordinator,
        "Flow in the emergency department",
        capacity=1,
        format=Event.Format.HYBRID,
        venue="Forth Room, Waverley Hall",
        address="12 Example Street\nEdinburgh\nEH1 1AA",
        joining_link="https://meet.example.org/flow-room",
    )


# --- calendar attachments -----------------------------------------------------------------


def test_a_confirmation_is_an_invitation_from_the_site_to_the_member(
    workshop, attendee, mailoutbox
):
    registration_create(event=workshop, member=attendee)
    send_queued()

    (message,) = mailoutbox
    part, calendar = calendar_in(message)
    # RFC 6047: the method in the part's content type as well as in the file.
    assert part.get_param("method") == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    entry = only_event(calendar)
    assert entry["UID"] == uid_of(workshop)
    assert entry["SEQUENCE"] == 0
    assert entry["STATUS"] == "CONFIRMED"
    assert str(entry["ORGANIZER"]) == "mailto:no-reply@network.example.org"
    assert str(entry["ATTENDEE"]) == f"mailto:{attendee.email}"
    assert entry["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert entry["ATTENDEE"].params["CN"] == "Ada Attendee"
    assert entry["LOCATION"] == (
        "Forth Room, Waverley Hall, 12 Example Street, Edinburgh, EH1 1AA, and online"
    )
    # In UTC, as RFC 5545 requires of both.
    assert entry["DTSTAMP"].to_ical().endswith(b"Z")
    assert entry["LAST-MODIFIED"].to_ical().endswith(b"Z")
    assert entry.decoded("LAST-MODIFIED") == to_second(workshop.modified_at)
    # The joining link is for the member's eyes, not for a calendar shared with colleagues.
    assert "meet.example.org" not in calendar.to_ical().decode()


def test_confirmations_and_reminders_carry_the_joining_link_and_the_full_address(
    workshop, attendee, mailoutbox
):
    registration_create(event=workshop, member=attendee)
    Registration.objects.filter(member=attendee).update(
        confirmed_at=timezone.now() - timedelta(days=10)
    )
    Event.objects.filter(pk=workshop.pk).update(starts_at=timezone.now() + timedelta(hours=5))
    assert queue_due()["day_reminder"] == 1
    send_queued()

    confirmation, reminder = mailoutbox
    for message in (confirmation, reminder):
        assert "Join online: https://meet.example.org/flow-room" in message.body
        assert "Forth Room, Waverley Hall" in message.body
        assert "12 Example Street\nEdinburgh\nEH1 1AA" in message.body


def test_an_offer_leaves_the_joining_link_out(workshop, attendee, member, mailoutbox):
    registration_create(event=workshop, member=attendee)
    registration_create(event=workshop, member=member)
    registration_cancel(event=workshop, member=attendee)
    send_queued(kind="events.offer")

    (offer,) = mailoutbox
    assert offer.to == [member.email]
    assert "meet.example.org" not in offer.body


def test_a_moved_event_sends_those_with_a_place_an_update_of_the_same_invitation(
    workshop, attendee, member, coordinator, mailoutbox
):
    registration_create(event=workshop, member=attendee)
    registration_create(event=workshop, member=member)  # waiting: nothing in their calendar
    send_queued()
    mailoutbox.clear()

    workshop.starts_at += timedelta(days=1)
    workshop.ends_at += timedelta(days=1)
    workshop.save()
    event_update(event=workshop, changed=["starts_at", "ends_at"], editor=coordinator)
    send_queued(kind="events.update")

    (update,) = mailoutbox
    assert update.to == [attendee.email]
    assert update.subject == "[Improvement Network] Changed: Flow in the emergency department"
    part, calendar = calendar_in(update)
    assert part.get_param("method") == "REQUEST"
    entry = only_event(calendar)
    assert entry["UID"] == uid_of(workshop)
    assert entry["SEQUENCE"] == 1
    assert entry.decoded("DTSTART") == to_second(workshop.starts_at)


def test_a_change_of_words_alone_sends_no_update(workshop, attendee, coordinator):
    registration_create(event=workshop, member=attendee)
    workshop.summary = "Now with a case study."
    workshop.save()
    event_update(event=workshop, changed=["summary"], editor=coordinator)

    assert not Email.objects.filter(kind="events.update").exists()


# --- a member's cancelled place -----------------------------------------------------------


def test_a_given_up_place_is_taken_out_of_the_calendar_and_marked_in_the_feed(
    client, workshop, attendee, mailoutbox
):
    registration_create(event=workshop, member=attendee)
    send_queued()
    mailoutbox.clear()

    registration_cancel(event=workshop, member=attendee)
    send_queued(kind="events.place_cancelled")

    (message,) = mailoutbox
    part, calendar = calendar_in(message)
    assert part.get_param("method") == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    entry = only_event(calendar)
    assert entry["UID"] == uid_of(workshop)
    assert entry["SEQUENCE"] == 1, "above the confirmation's, so the calendar takes it"
    assert entry["STATUS"] == "CANCELLED"
    assert entry["ATTENDEE"].params["PARTSTAT"] == "DECLINED"

    (kept,) = feed_of(client, attendee)
    assert kept["UID"] == uid_of(workshop)
    assert kept["STATUS"] == "CANCELLED"
    assert kept["SEQUENCE"] == 1
    assert "METHOD" not in parse_strictly(
        client.get(reverse("events:feed", args=[feed_for(attendee).token])).content
    )
    registration = Registration.objects.get(member=attendee)
    assert kept.decoded("LAST-MODIFIED") == to_second(registration.cancelled_at)
    assert kept.decoded("DTSTAMP") == to_second(registration.cancelled_at)


def test_a_place_taken_again_replaces_the_cancelled_copy(client, workshop, attendee):
    registration_create(event=workshop, member=attendee)
    registration_cancel(event=workshop, member=attendee)
    registration_create(event=workshop, member=attendee)

    (entry,) = feed_of(client, attendee)
    assert entry["STATUS"] == "CONFIRMED"
    assert entry["SEQUENCE"] == 2


def test_a_given_up_place_leaves_the_feed_once_the_event_has_passed(client, workshop, attendee):
    registration_create(event=workshop, member=attendee)
    registration_cancel(event=workshop, member=attendee)
    Event.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=2)
    )

    assert feed_of(client, attendee) == []


def test_leaving_the_waiting_list_puts_nothing_in_the_calendar(
    client, workshop, attendee, member, mailoutbox
):
    registration_create(event=workshop, member=attendee)
    registration_create(event=workshop, member=member)
    registration_cancel(event=workshop, member=member)
    send_queued()

    assert [message.to for message in mailoutbox] == [[attendee.email]]
    assert feed_of(client, member) == []


# --- cancelling an event ------------------------------------------------------------------


@pytest.fixture
def full_workshop(workshop, attendee, member):
    """A confirmed place, an offer, someone waiting and someone who gave up their place."""
    offered = ProfileFactory(member__name="Olwen Offered").member
    waiting = ProfileFactory(member__name="Wilma Waiting").member
    gone = ProfileFactory(member__name="Gordon Gone").member
    registration_create(event=workshop, member=gone)
    registration_create(event=workshop, member=offered)
    registration_create(event=workshop, member=attendee)
    registration_create(event=workshop, member=waiting)
    registration_cancel(event=workshop, member=gone)  # the place is offered to Olwen
    registration_create(event=workshop, member=member)
    Registration.objects.filter(member=member).update(status=Registration.Status.CONFIRMED)
    Registration.objects.filter(member=attendee).update(status=Registration.Status.WAITING)
    send_queued()
    return {"confirmed": member, "offered": offered, "waiting": [attendee, waiting], "gone": gone}


def test_everyone_registered_is_told_with_a_calendar_cancellation(
    full_workshop, workshop, coordinator, mailoutbox
):
    mailoutbox.clear()

    assert event_cancel(event=workshop, canceller=coordinator, message=REASON) == 4
    send_queued()

    told = {message.to[0]: message for message in mailoutbox}
    people = full_workshop
    assert set(told) == {
        people["confirmed"].email,
        people["offered"].email,
        *(member.email for member in people["waiting"]),
    }
    for message in told.values():
        assert (
            message.subject == "[Improvement Network] Cancelled: Flow in the emergency department"
        )
        assert REASON in message.body
        assert "meet.example.org" not in message.body
        part, calendar = calendar_in(message)
        assert part.get_param("method") == "CANCEL"
        entry = only_event(calendar)
        assert entry["UID"] == uid_of(workshop)
        assert entry["STATUS"] == "CANCELLED"
        assert entry["SEQUENCE"] >= 1
    confirmed_copy = only_event(calendar_in(told[people["confirmed"].email])[1])
    assert confirmed_copy["SEQUENCE"] == 1, "the event's own sequence, raised"
    assert AuditEntry.objects.filter(action="event_cancelled", actor=coordinator).exists()


def test_a_cancelled_event_stays_in_calendars_marked_cancelled(
    client, full_workshop, workshop, coordinator
):
    event_cancel(event=workshop, canceller=coordinator, message=REASON)

    single = parse_strictly(client.get(reverse("events:calendar", args=[workshop.slug])).content)
    entry = only_event(single)
    assert entry["STATUS"] == "CANCELLED"
    assert entry["SEQUENCE"] == 1
    assert REASON in entry["DESCRIPTION"]
    workshop.refresh_from_db()
    assert entry.decoded("LAST-MODIFIED") == to_second(workshop.cancelled_at)
    (kept,) = feed_of(client, full_workshop["confirmed"])
    assert kept["STATUS"] == "CANCELLED"
    assert kept["UID"] == uid_of(workshop)


def test_a_cancelled_event_sends_no_reminders_and_offers_no_places(
    full_workshop, workshop, coordinator, mailoutbox
):
    people = full_workshop
    Event.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() + timedelta(hours=5), ends_at=timezone.now() + timedelta(hours=6)
    )
    Registration.objects.filter(member=people["confirmed"]).update(
        confirmed_at=timezone.now() - timedelta(days=10)
    )
    # A reminder already waiting in the outbox when the event is cancelled.
    assert queue_due()["day_reminder"] == 1
    Registration.objects.filter(member=people["offered"]).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    workshop.refresh_from_db()
    event_cancel(event=workshop, canceller=coordinator, message=REASON)
    mailoutbox.clear()

    assert str(send_queued(kind="events.day_reminder")) == "1 skipped"
    assert offers_expire() == 0
    # Nothing claimed yet, as if none had been sent: the sweep still finds nothing to send.
    Registration.objects.filter(event=workshop).update(
        day_reminder_sent_at=None,
        confirmation_sent_at=None,
        offer_sent_at=None,
        offer_expires_at=timezone.now() + timedelta(hours=1),
    )
    assert queue_due() == {
        "day_reminder": 0,
        "hour_reminder": 0,
        "feedback": 0,
        "confirmation": 0,
        "offer": 0,
    }
    offer = Registration.objects.get(member=people["offered"])
    assert offer.status == Registration.Status.OFFERED, "no lapse told of a cancelled event"
    with pytest.raises(EventError, match="cancelled"):
        offer_claim(registration_id=offer.pk, member=people["offered"])
    with pytest.raises(EventError, match="cancelled"):
        registration_create(event=workshop, member=people["gone"])
    with pytest.raises(EventError, match="cancelled"):
        registration_cancel(event=workshop, member=people["confirmed"])
    send_queued()
    assert all("Cancelled" in message.subject for message in mailoutbox)


def test_an_event_is_cancelled_once_and_for_good(workshop, coordinator):
    event_cancel(event=workshop, canceller=coordinator, message=REASON)

    with pytest.raises(EventError, match="already been cancelled"):
        event_cancel(event=workshop, canceller=coordinator, message="Again")
    workshop.refresh_from_db()
    assert workshop.cancellation_message == REASON
    assert workshop.sequence == 1


def test_only_those_who_run_the_event_may_cancel_it(workshop, member):
    with pytest.raises(EventError, match="Only those who run this event, or moderate"):
        event_cancel(event=workshop, canceller=member, message=REASON)
    workshop.refresh_from_db()
    assert not workshop.is_cancelled


# --- the pages ----------------------------------------------------------------------------


def test_cancelling_asks_why_on_a_page_of_its_own(client, workshop, coordinator, attendee):
    registration_create(event=workshop, member=attendee)
    client.force_login(coordinator)
    url = reverse("events:cancel_event", args=[workshop.slug])

    page = client.get(url)
    assert "We will e-mail the 1 person" in page.text
    assert "This cannot be undone." in page.text

    refused = client.post(url, {"message": "   "})
    assert refused.status_code == 400
    assert "Say why the event is cancelled." in refused.text
    workshop.refresh_from_db()
    assert not workshop.is_cancelled

    done = client.post(url, {"message": REASON}, follow=True)
    assert "The event is cancelled. We are e-mailing 1 person." in done.text
    assert "This event has been cancelled" in done.text
    assert REASON in done.text
    assert ">Register<" not in done.text
    assert "Edit the event" not in done.text
    assert client.get(url).status_code == 302
    assert client.get(reverse("events:edit", args=[workshop.slug])).status_code == 302


def test_the_events_list_and_the_members_page_say_cancelled(
    client, workshop, coordinator, attendee
):
    registration_create(event=workshop, member=attendee)
    event_cancel(event=workshop, canceller=coordinator, message=REASON)
    client.force_login(attendee)

    assert "Cancelled" in client.get(reverse("events:list")).text
    home = client.get("/").text
    assert "Cancelled" in home and "Full: join the waiting list" not in home
    assert "Cancelled" in client.get(reverse("events:my_calendar")).text
    page = client.get(workshop.get_absolute_url()).text
    assert "and your place with it" in page
    assert "meet.example.org" not in page


def test_a_member_cannot_reach_the_cancel_page(client, workshop, member):
    client.force_login(member)
    url = reverse("events:cancel_event", args=[workshop.slug])

    assert client.get(url).status_code == 403
    assert client.post(url, {"message": REASON}).status_code == 403
    workshop.refresh_from_db()
    assert not workshop.is_cancelled


def test_a_secret_communitys_moderator_cancels_its_event(client, db):
    quiet = Community.objects.create(
        name="Quiet Leaders", slug="quiet-leaders", purpose="Peer support.", privacy="secret"
    )
    moderator = ProfileFactory(member__name="Mhairi Moderator").member
    Membership.objects.create(community=quiet, member=moderator, role="moderator")
    retreat = make_event(ProfileFactory().member, "Quiet leaders retreat", community=quiet)
    client.force_login(moderator)

    client.post(reverse("events:cancel_event", args=[retreat.slug]), {"message": REASON})

    retreat.refresh_from_db()
    assert retreat.is_cancelled


def test_an_open_communitys_moderator_cancels_an_event_it_hosts_but_does_not_run_it(
    client, coordinator, db
):
    """The issue's rule: a coordinator, or the host community's moderator, cancels. Running the
    event (its attendees and their addresses) stays with those who run it."""
    falls = Community.objects.create(
        name="Falls Prevention", slug="falls-prevention", purpose="Fewer falls.", privacy="open"
    )
    moderator = ProfileFactory(member__name="Mhairi Moderator").member
    Membership.objects.create(community=falls, member=moderator, role="moderator")
    webinar = make_event(coordinator, "Falls webinar", community=falls)
    client.force_login(moderator)

    page = client.get(webinar.get_absolute_url()).text
    assert "Cancel the event" in page and "Attendees" not in page
    assert client.get(reverse("events:attendees", args=[webinar.slug])).status_code == 403
    client.post(reverse("events:cancel_event", args=[webinar.slug]), {"message": REASON})

    webinar.refresh_from_db()
    assert webinar.is_cancelled
