import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Registration
from events.services import registration_create
from tests.events.conftest import make_event
from tests.factories import OrganisationFactory, ProfileFactory

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


def detail(event):
    return reverse("events:detail", args=[event.slug])


def test_the_list_shows_places_left(client, coordinator, attendee):
    event = make_event(coordinator, "Twelve places", capacity=40)
    for _ in range(28):
        registration_create(event=event, member=ProfileFactory().member)

    assert "12 of 40 places left" in client.get(LIST).content.decode()


def test_visitors_see_public_events_only(client, coordinator):
    make_event(coordinator, "Public webinar")
    members_only = make_event(
        coordinator, "Members masterclass", visibility=Event.Visibility.MEMBERS
    )

    titles = [event.title for event in client.get(LIST).context["page"].object_list]

    assert titles == ["Public webinar"]
    assert client.get(detail(members_only)).status_code == 404


def test_past_events_are_listed_apart(client, coordinator):
    make_event(coordinator, "Next week")
    make_event(coordinator, "Last month", starts_in=-timedelta(days=30))

    upcoming = [event.title for event in client.get(LIST).context["page"].object_list]
    past = [event.title for event in client.get(LIST, {"when": "past"}).context["page"].object_list]

    assert (upcoming, past) == (["Next week"], ["Last month"])


def test_filters_by_type_format_region_and_dates(client, coordinator):
    make_event(coordinator, "Webinar north", region="north")
    make_event(
        coordinator,
        "Masterclass later",
        kind="masterclass",
        starts_in=timedelta(days=40),
        format="in_person",
        venue="Perth Concert Hall",
        joining_link="",
    )

    def titles(**query):
        return [event.title for event in client.get(LIST, query).context["page"].object_list]

    assert titles(kind="masterclass") == ["Masterclass later"]
    assert titles(format="online") == ["Webinar north"]
    assert titles(region="north") == ["Webinar north"]
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert titles(starts_from=later) == ["Masterclass later"]
    assert client.get(LIST, {"starts_from": "not a date", "kind": "party"}).status_code == 200


def test_the_joining_link_is_only_for_confirmed_places(client, masterclass, attendee):
    waiting = ProfileFactory().member
    registration_create(event=masterclass, member=attendee)
    registration_create(event=masterclass, member=waiting)
    link = "https://meet.example.org/secret-room"

    assert link not in client.get(detail(masterclass)).content.decode()
    client.force_login(waiting)
    assert link not in client.get(detail(masterclass)).content.decode()
    client.force_login(attendee)
    assert link in client.get(detail(masterclass)).content.decode()
    assert (
        link not in client.get(reverse("events:calendar", args=[masterclass.slug])).content.decode()
    )


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "create"),
        ("get", "edit"),
        ("get", "attendees"),
        ("post", "add_attendee"),
        ("post", "message"),
    ],
)
def test_only_coordinators_run_events(client, webinar, attendee, method, name):
    args = [] if name == "create" else [webinar.slug]
    url = reverse(f"events:{name}", args=args)

    client.force_login(attendee)
    assert (
        getattr(client, method)(url, {"email": attendee.email, "message": "x"}).status_code == 403
    )
    client.logout()
    assert getattr(client, method)(url).status_code == 302
    assert (
        client.get(reverse("events:attendees", args=[webinar.slug]), {"format": "csv"}).status_code
        == 302
    )


def test_a_coordinator_creates_an_event_and_bad_dates_are_refused(client, coordinator):
    client.force_login(coordinator)
    starts = timezone.localtime() + timedelta(days=10)
    data = {
        "kind": "masterclass",
        "title": "Frailty masterclass",
        "summary": "Practical tools.",
        "starts_at": starts.strftime("%Y-%m-%dT10:00"),
        "ends_at": starts.strftime("%Y-%m-%dT12:00"),
        "format": "online",
        "joining_link": "https://meet.example.org/x",
        "visibility": "members",
        "capacity": "30",
    }

    bad = client.post(
        reverse("events:create"),
        {
            **data,
            "ends_at": starts.strftime("%Y-%m-%dT09:00"),
            "capacity": "-5",
            "registration_closes_at": starts.strftime("%Y-%m-%dT11:00"),
        },
    )
    page = bad.content.decode()
    assert "The end must be after the start." in page
    assert "Registration must close before the start." in page
    assert 'id="id_capacity_error"' in page
    assert not Event.objects.exists()

    no_venue = client.post(reverse("events:create"), {**data, "format": "in_person"})
    assert "Enter the venue of an event held in person." in no_venue.content.decode()

    client.post(reverse("events:create"), data)
    event = Event.objects.get()
    assert event.organiser == coordinator and event.capacity == 30


def test_attendees_list_csv_and_check_in(client, coordinator, webinar, attendee):
    registration_create(event=webinar, member=attendee)
    client.force_login(coordinator)
    attendees = reverse("events:attendees", args=[webinar.slug])

    client.post(attendees, {"registration": Registration.objects.get().pk, "attended": "yes"})
    csv_text = client.get(attendees, {"format": "csv"}).content.decode()

    assert "Ada Attendee" in csv_text and "yes" in csv_text.splitlines()[1]
    assert Registration.objects.get().attended
    assert client.post(attendees, {"registration": "x"}).status_code == 404


# The ASCII signs and their full-width twins, which Excel also runs as formulas.
@pytest.mark.parametrize("sign", ["=", "+", "-", "@", "\t", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_no_attendee_csv_cell_starts_a_formula(client, coordinator, webinar, sign):
    formula = f'{sign}HYPERLINK("https://harm.example.org","Open")'
    registration_create(
        event=webinar,
        member=ProfileFactory(
            member__name=formula,
            job_title=formula,
            organisation=OrganisationFactory(name=formula),
        ).member,
    )
    client.force_login(coordinator)

    response = client.get(reverse("events:attendees", args=[webinar.slug]), {"format": "csv"})

    name, _, organisation, job_title = next(
        row
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        if "HYPERLINK" in row[0]
    )[:4]
    assert name == organisation == job_title == f"'{formula}", "shown as typed, never run"


def test_the_attendee_csv_tells_excel_it_is_utf8(client, coordinator, webinar):
    registration_create(
        event=webinar, member=ProfileFactory(member__name="Siobhán Ó Ceallaigh").member
    )
    client.force_login(coordinator)

    response = client.get(reverse("events:attendees", args=[webinar.slug]), {"format": "csv"})

    assert response.content.startswith(b"\xef\xbb\xbfName,E-mail,"), "a UTF-8 byte-order mark"
    assert "Siobhán Ó Ceallaigh" in response.content.decode("utf-8-sig")


def test_a_coordinator_adds_someone_beyond_capacity_and_messages_everyone(
    client, coordinator, masterclass, attendee
):
    extra = ProfileFactory(member__email="extra.person@example.org").member
    registration_create(event=masterclass, member=attendee)
    client.force_login(coordinator)

    client.post(reverse("events:add_attendee", args=[masterclass.slug]), {"email": extra.email})
    client.post(reverse("events:message", args=[masterclass.slug]), {"message": "Room 2 now."})

    assert Registration.objects.filter(event=masterclass, status="confirmed").count() == 2
    assert extra.notifications.get(kind="event_message").message.endswith("Room 2 now.")


@pytest.mark.parametrize("page_name", ["list", "attendees"])
def test_lists_use_the_same_queries_for_few_or_many(
    client, coordinator, page_name, django_assert_num_queries
):
    client.force_login(coordinator)
    first = make_event(coordinator, "Event 0", capacity=50)
    registration_create(event=first, member=ProfileFactory().member)
    url = LIST if page_name == "list" else reverse("events:attendees", args=[first.slug])
    # A coordinator's pages ask once whether they have shown a second factor; the attendees
    # page once for the event's questions and once for the page's answers.
    expected = {"list": 8, "attendees": 11}[page_name]
    with django_assert_num_queries(expected):
        client.get(url)
    for number in range(1, 25):
        event = make_event(coordinator, f"Event {number}", capacity=50)
        registration_create(event=event, member=ProfileFactory().member)
    for _ in range(20):
        registration_create(event=first, member=ProfileFactory().member)
    with django_assert_num_queries(expected):
        client.get(url)


def test_calendars_for_one_event_and_a_members_own_feed(client, webinar, attendee, coordinator):
    other = make_event(coordinator, "Not mine")
    registration_create(event=webinar, member=attendee)
    single = client.get(reverse("events:calendar", args=[webinar.slug]))
    assert single["Content-Type"] == "text/calendar"
    assert b"SUMMARY:Run charts in an hour" in single.content

    client.force_login(attendee)
    page = client.get(reverse("events:my_calendar"))
    feed_url = page.context["feed_url"].replace("http://testserver", "")
    client.logout()
    feed = client.get(feed_url).content
    assert b"Run charts in an hour" in feed and other.title.encode() not in feed

    client.force_login(attendee)
    client.post(reverse("events:my_calendar"))
    assert client.get(feed_url).status_code == 404


def test_feedback_after_the_event_and_a_certificate_for_those_who_came(
    client, coordinator, attendee
):
    past = make_event(coordinator, "Last week", starts_in=-timedelta(days=7))
    Registration.objects.create(event=past, member=attendee, status="confirmed", attended=True)
    client.force_login(attendee)

    empty = client.post(reverse("events:feedback", args=[past.slug]), {})
    assert "Choose a rating from 1 to 5." in empty.content.decode()
    client.post(
        reverse("events:feedback", args=[past.slug]), {"rating": "5", "useful": "The SPC demo"}
    )
    certificate = client.get(reverse("events:certificate", args=[past.slug])).content.decode()

    assert "Ada Attendee" in certificate and "Last week" in certificate
    client.force_login(coordinator)
    summary = client.get(reverse("events:attendees", args=[past.slug])).content.decode()
    assert "average rating 5.0 out of 5" in summary and "The SPC demo" in summary
