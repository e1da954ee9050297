"""At the door: the event's team checks people in by name or by the QR code of their place."""

import base64
from datetime import timedelta
from io import BytesIO

import pytest
import zxingcpp
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from communities.models import Community, Membership
from events.models import Event, Registration
from events.services import (
    attendance_mark,
    check_in_code_in,
    check_in_url,
    event_cancel,
    offer_claim,
    registration_cancel,
    registration_check_in,
    registration_create,
)
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.mail import send_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def gathering(coordinator):
    """An event with a door, and two places in it."""
    return make_event(coordinator, "Flow in emergency departments", format=Event.Format.IN_PERSON)


def place(event, name="Ada Attendee"):
    member = ProfileFactory(member__name=name).member
    return registration_create(event=event, member=member)


def check_in_page(event):
    return reverse("events:check_in", args=[event.slug])


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_one_tap_checks_someone_in_and_marks_them_attended(client, coordinator, gathering):
    ada = place(gathering)
    place(gathering, "Bea Other")
    client.force_login(coordinator)
    page = client.get(check_in_page(gathering))
    assert "0 of 2" in page.text
    assert 'Check in<span class="visually-hidden"> Ada Attendee</span>' in page.text

    response = client.post(check_in_page(gathering), {"registration": ada.pk}, follow=True)

    assert shown(response) == ["Ada Attendee is checked in."]
    assert "1 of 2" in response.text
    ada.refresh_from_db()
    assert ada.attended and ada.checked_in_by == coordinator and ada.checked_in_at is not None


def test_the_code_in_the_qr_code_checks_in_whether_sent_alone_or_as_the_address(
    client, coordinator, gathering
):
    ada, bea = place(gathering), place(gathering, "Bea Other")
    client.force_login(coordinator)

    alone = client.post(check_in_page(gathering), {"code": ada.check_in_code}, follow=True)
    address = (
        f"{settings.SITE_URL}{check_in_page(gathering)}?code={bea.check_in_code}"  # as scanned
    )
    whole = client.post(check_in_page(gathering), {"code": address, "scanned": "1"})

    assert shown(alone) == ["Ada Attendee is checked in."]
    # After a scan the page starts the scanner again for the next person.
    assert whole["Location"] == f"{check_in_page(gathering)}?scanning=1"
    assert Registration.objects.filter(attended=True, checked_in_at__isnull=False).count() == 2


def test_checking_in_twice_says_when_and_changes_nothing(client, coordinator, gathering):
    ada = place(gathering)
    first = registration_check_in(event=gathering, registration=ada, by=coordinator)
    ada.refresh_from_db()
    before = (ada.checked_in_at, ada.checked_in_by_id)
    client.force_login(coordinator)

    response = client.post(check_in_page(gathering), {"code": ada.check_in_code}, follow=True)

    assert first.outcome == "checked_in"
    at = timezone.localtime(first.registration.checked_in_at)
    assert shown(response) == [f"Ada Attendee was already checked in at {at:%H:%M}."]
    ada.refresh_from_db()
    assert (ada.checked_in_at, ada.checked_in_by_id) == before


def test_a_place_not_confirmed_is_refused_with_its_reason(client, coordinator):
    event = make_event(coordinator, "Small room", capacity=1, format=Event.Format.IN_PERSON)
    holder = place(event, "Hol Der")
    waiting = place(event, "Wai Ting")
    late = place(event, "Lay Tor")
    registration_cancel(event=event, member=holder.member)  # the place is offered to Wai Ting
    client.force_login(coordinator)

    answers = {
        name: shown(client.post(check_in_page(event), {"code": code}, follow=True))
        for name, code in [
            ("cancelled", holder.check_in_code),
            ("offered", waiting.check_in_code),
            ("waiting", late.check_in_code),
        ]
    }

    assert answers == {
        "cancelled": ["Not checked in: Hol Der cancelled their place."],
        "offered": ["Not checked in: Wai Ting was offered a place but has not taken it."],
        "waiting": ["Not checked in: Lay Tor is on the waiting list."],
    }
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()
    assert not Registration.objects.filter(attended=True).exists()
    # Once the offer is taken, the same code checks in.
    offer_claim(registration_id=waiting.pk, member=waiting.member)
    taken = client.post(check_in_page(event), {"code": waiting.check_in_code}, follow=True)
    assert shown(taken) == ["Wai Ting is checked in."]


def test_another_events_code_and_an_unknown_code_are_refused(client, coordinator, gathering):
    other = make_event(coordinator, "Another day", format=Event.Format.IN_PERSON)
    theirs = place(other, "Oth Er")
    client.force_login(coordinator)

    elsewhere = client.post(check_in_page(gathering), {"code": theirs.check_in_code}, follow=True)
    unknown = client.post(check_in_page(gathering), {"code": "A" * 22}, follow=True)
    nonsense = client.post(check_in_page(gathering), {"code": "<script>"}, follow=True)

    assert shown(elsewhere) == ["Not checked in: this code is for another event."]
    assert shown(unknown) == shown(nonsense) == ["Not checked in: we do not know this code."]
    assert not Registration.objects.filter(attended=True).exists()


def test_a_phones_camera_app_opening_the_code_shows_who_it_is(client, coordinator, gathering):
    ada = place(gathering)
    client.force_login(coordinator)

    response = client.get(check_in_page(gathering), {"code": ada.check_in_code})

    assert response.context["scanned"] == ada
    assert "The code you scanned" in response.text
    # Opening it changes nothing: the team taps to check in.
    ada.refresh_from_db()
    assert ada.checked_in_at is None


def test_typing_part_of_a_name_narrows_the_list(client, coordinator, gathering):
    place(gathering, "Fiona MacLeod")
    place(gathering, "Hamish Grant")
    client.force_login(coordinator)

    typed = client.get(check_in_page(gathering), {"q": "macl"}, headers={"HX-Request": "true"})

    assert [r.member.name for r in typed.context["page"].object_list] == ["Fiona MacLeod"]
    assert 'id="check-in-people"' in typed.text
    assert "<h1" not in typed.text, "only the list, as someone types"
    assert "1 person found" in typed.text


@pytest.mark.parametrize("typed", ["Ad\x00a", "https://[bad/?code=x", "x" * 5000])
def test_odd_typing_or_scans_get_an_answer_never_an_error(client, coordinator, gathering, typed):
    place(gathering, "Fiona MacLeod")
    client.force_login(coordinator)
    assert client.get(check_in_page(gathering), {"q": typed}).status_code == 200
    assert client.get(check_in_page(gathering), {"code": typed}).status_code == 200
    scanned = client.post(check_in_page(gathering), {"code": typed, "scanned": "1"}, follow=True)
    assert scanned.status_code == 200


def test_a_cancelled_event_says_so_and_checks_nobody_in(client, coordinator, gathering):
    ada = place(gathering)
    event_cancel(event=gathering, canceller=coordinator, message="The venue flooded.")
    client.force_login(coordinator)

    page = client.get(check_in_page(gathering))
    response = client.post(check_in_page(gathering), {"registration": ada.pk}, follow=True)

    assert "This event was cancelled" in page.text
    assert shown(response) == ["This event has been cancelled."]
    ada.refresh_from_db()
    assert ada.checked_in_at is None


def test_only_the_events_team_finds_the_page(client, coordinator, gathering, member):
    ada = place(gathering)
    community = Community.objects.create(name="Leads", slug="leads", purpose="p")
    gathering.community = community
    gathering.save()
    moderator = ProfileFactory(member__name="Mo Derator").member
    Membership.objects.create(community=community, member=moderator, role="moderator")

    assert client.get(check_in_page(gathering))["Location"].startswith("/accounts/login/")
    # A member, and a moderator who may cancel the event but does not run it: not found.
    for person in (member, moderator):
        client.force_login(person)
        assert Event.objects.cancellable_by(person).filter(pk=gathering.pk).exists() == (
            person == moderator
        )
        assert client.get(check_in_page(gathering)).status_code == 404
        assert client.post(check_in_page(gathering), {"registration": ada.pk}).status_code == 404
    ada.refresh_from_db()
    assert ada.checked_in_at is None
    # Nor does the service take it from them.
    with pytest.raises(Exception, match="Only those who run this event"):
        registration_check_in(event=gathering, registration=ada, by=moderator)


def test_unmarking_attendance_undoes_the_check_in(coordinator, gathering):
    ada = place(gathering)
    registration_check_in(event=gathering, registration=ada, by=coordinator)

    attendance_mark(registration=ada, attended=False)

    ada.refresh_from_db()
    assert (ada.attended, ada.checked_in_at, ada.checked_in_by) == (False, None, None)


def test_the_page_uses_the_same_queries_for_few_or_many(
    client, coordinator, gathering, django_assert_num_queries
):
    place(gathering)
    client.force_login(coordinator)
    # The session, the member, their roles and second factor; the event; how many are listed
    # and checked in; the header's notifications; the page of people.
    expected = 9
    with django_assert_num_queries(expected):
        client.get(check_in_page(gathering))
    for number in range(30):
        checked = place(gathering, f"Person {number:02}")
        if number % 2:
            registration_check_in(event=gathering, registration=checked, by=coordinator)
    with django_assert_num_queries(expected):
        client.get(check_in_page(gathering))


def test_the_page_may_use_the_camera_and_the_scanners_worker(client, coordinator, gathering):
    client.force_login(coordinator)

    response = client.get(check_in_page(gathering))

    features = dict(
        part.strip().split("=", 1) for part in response.headers["Permissions-Policy"].split(",")
    )
    assert features["camera"] == "(self)"
    assert features["microphone"] == "()"
    assert "worker-src 'self' blob:" in response.headers["Content-Security-Policy"]
    elsewhere = client.get(gathering.get_absolute_url()).headers["Permissions-Policy"]
    assert "camera=()" in elsewhere


# --- the member's QR code ---------------------------------------------------------------------


def decoded(png: bytes) -> str:
    (result,) = zxingcpp.read_barcodes(Image.open(BytesIO(png)))
    return result.text


def test_the_confirmation_carries_a_qr_code_that_reads_as_the_check_in_address(
    gathering, mailoutbox
):
    ada = place(gathering)
    send_queued(kind="events.confirmation")

    (message,) = mailoutbox
    (picture,) = [part for part in message.attachments if part.get_content_type() == "image/png"]

    assert picture.get_filename() == "check-in-code.png"
    assert decoded(picture.get_payload(decode=True)) == (
        f"{settings.SITE_URL}/events/{gathering.slug}/check-in/?code={ada.check_in_code}"
    )
    assert "At the door, show the QR code attached" in message.body


def test_an_online_event_or_a_waiting_place_has_no_qr_code(coordinator, mailoutbox, client):
    online = make_event(coordinator, "Online only", format=Event.Format.ONLINE)
    full = make_event(coordinator, "Full room", capacity=1, format=Event.Format.IN_PERSON)
    place(online)
    place(full, "Fir St")
    waiting = place(full, "Wai Ting")
    send_queued(kind="events.confirmation")

    assert len(mailoutbox) == 2
    assert all(
        part.get_content_type() != "image/png"
        for message in mailoutbox
        if "Online only" in message.subject
        for part in message.attachments
    )
    client.force_login(waiting.member)
    assert client.get(full.get_absolute_url()).context["check_in_qr"] == ""


def test_the_event_page_shows_the_member_their_qr_code(client, gathering):
    ada = place(gathering)
    client.force_login(ada.member)

    page = client.get(gathering.get_absolute_url())

    picture = page.context["check_in_qr"]
    assert picture.startswith("data:image/png;base64,")
    assert decoded(base64.b64decode(picture.split(",", 1)[1])) == check_in_url(ada)
    assert 'alt="QR code of your place, for checking in at the door"' in page.text


def test_the_qr_code_goes_once_the_event_has_ended(client, coordinator):
    past = make_event(
        coordinator, "Last week", format=Event.Format.IN_PERSON, starts_in=-timedelta(days=7)
    )
    ada = Registration.objects.create(
        event=past, member=ProfileFactory().member, status=Registration.Status.CONFIRMED
    )
    client.force_login(ada.member)
    assert client.get(past.get_absolute_url()).context["check_in_qr"] == ""


@pytest.mark.parametrize("typed", ["https://[bad/?code=x", "http://[::1/?code=abc", "\x00"])
def test_a_code_that_is_not_an_address_is_unknown_not_an_error(typed):
    assert check_in_code_in(typed) == ""
