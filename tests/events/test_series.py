"""A masterclass or webinar series: its page, who sees it, registering for all of it or the
sessions one chooses, each session keeping its own places and waiting list."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from base.models import Email
from communities.models import Community, Membership
from events.models import Event, Registration, RegistrationQuestion, Series
from events.services import feed_for, questions_default, registration_create
from tests.events.conftest import make_event
from tests.events.test_review_cases import edit_data
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def make_series(organiser, title="Measurement masterclasses", **fields):
    return Series.objects.create(
        title=title,
        slug=slugify(title),
        kind=fields.pop("kind", Series.Kind.MASTERCLASS),
        summary=fields.pop("summary", "Three sessions on **measuring** improvement."),
        organiser=organiser,
        visibility=fields.pop("visibility", Series.Visibility.PUBLIC),
        **fields,
    )


def add_sessions(series, count=3, **fields):
    return [
        make_event(
            series.organiser,
            f"{series.title}: part {number}",
            starts_in=timedelta(days=7 * number),
            series=series,
            **fields,
        )
        for number in range(1, count + 1)
    ]


@pytest.fixture
def series(coordinator):
    return make_series(coordinator)


@pytest.fixture
def sessions(series):
    return add_sessions(series)


def register(client, series, **data):
    return client.post(reverse("events:series_register", args=[series.slug]), data)


def status_at(event, member):
    registration = Registration.objects.filter(event=event, member=member).first()
    return registration.status if registration else None


# --- seeing ---------------------------------------------------------------------------------


def test_the_series_page_lists_its_sessions_with_places_and_the_members_own_place(
    client, series, sessions, attendee
):
    Event.objects.filter(pk=sessions[1].pk).update(capacity=1)
    registration_create(event=sessions[1], member=ProfileFactory().member)
    registration_create(event=sessions[0], member=attendee)
    client.force_login(attendee)

    page = client.get(series.get_absolute_url()).content.decode()

    assert "<strong>measuring</strong>" in page  # the summary's Markdown
    assert page.index("part 1") < page.index("part 2") < page.index("part 3")
    assert "Full: join the waiting list" in page
    assert "Place confirmed" in page
    assert "Register for the whole series" in page
    # Only the sessions still to choose are offered as boxes to tick.
    assert f'value="{sessions[0].pk}"' not in page
    assert f'value="{sessions[1].pk}"' in page and f'value="{sessions[2].pk}"' in page


def test_a_members_only_series_is_not_found_by_a_visitor(client, coordinator, member):
    hidden = make_series(coordinator, "Members series", visibility=Series.Visibility.MEMBERS)

    assert client.get(hidden.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_a_secret_communitys_series_is_not_found_by_an_outsider(client, outsider, coordinator):
    quiet = Community.objects.create(
        name="Quiet Leaders", slug="quiet-leaders", purpose="Peer support.", privacy="secret"
    )
    insider = ProfileFactory(member__name="Ina Insider").member
    Membership.objects.create(community=quiet, member=insider, role="moderator")
    hidden = make_series(insider, "Quiet series", community=quiet)
    add_sessions(hidden, 1, community=quiet)

    for person in (None, outsider, coordinator):
        client.logout()
        if person:
            client.force_login(person)
        assert client.get(hidden.get_absolute_url()).status_code == 404
        assert register(client, hidden, whole="on").status_code in {302, 404}
        assert "Quiet series" not in client.get(reverse("events:list")).content.decode()
    client.force_login(insider)
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_a_members_only_session_of_a_public_series_stays_hidden_from_visitors(
    client, series, sessions
):
    Event.objects.filter(pk=sessions[2].pk).update(visibility=Event.Visibility.MEMBERS)

    page = client.get(series.get_absolute_url()).content.decode()

    assert "part 1" in page and "part 3" not in page


def test_a_session_names_its_series_on_the_list_and_its_page(client, series, sessions):
    listing = client.get(reverse("events:list")).content.decode()
    detail = client.get(sessions[1].get_absolute_url()).content.decode()

    assert f'<a href="{series.get_absolute_url()}">Measurement masterclasses</a>' in listing
    assert "Part of the series" in detail and "(session 2 of 3)" in detail
    assert series.get_absolute_url() in detail


def test_a_session_does_not_name_a_series_the_viewer_may_not_see(client, coordinator):
    hidden = make_series(coordinator, "Members series", visibility=Series.Visibility.MEMBERS)
    [session] = add_sessions(hidden, 1)  # a public session of a members-only series

    detail = client.get(session.get_absolute_url()).content.decode()
    listing = client.get(reverse("events:list")).content.decode()
    calendar = client.get(reverse("events:calendar", args=[session.slug])).content.decode()

    assert session.title in listing
    assert "Part of the series" not in detail and hidden.get_absolute_url() not in listing
    assert hidden.get_absolute_url() not in calendar


def test_the_members_calendar_names_the_series_of_each_session(client, series, sessions, attendee):
    registration_create(event=sessions[0], member=attendee)

    feed = client.get(f"/events/feed/{feed_for(attendee).token}.ics").content.decode()
    single = client.get(reverse("events:calendar", args=[sessions[0].slug])).content.decode()

    unfolded = feed.replace("\r\n ", "")
    assert "Part of the series Measurement masterclasses" in unfolded
    assert series.get_absolute_url() in unfolded
    assert "Part of the series Measurement masterclasses" in single.replace("\r\n ", "")
    assert sessions[1].title not in unfolded


# --- registering ----------------------------------------------------------------------------


def test_registering_for_the_whole_series_registers_for_every_session_still_open(
    client, series, sessions, attendee
):
    past = make_event(series.organiser, "Earlier part", starts_in=-timedelta(days=7), series=series)
    client.force_login(attendee)

    response = register(client, series, whole="on")

    assert response.status_code == 200
    assert [status_at(event, attendee) for event in sessions] == ["confirmed"] * 3
    assert status_at(past, attendee) is None
    page = response.content.decode()
    assert page.count("Place confirmed") == 3
    # One confirmation, with its calendar invitation, for each session.
    assert Email.objects.filter(kind="events.confirmation", recipient=attendee).count() == 3


def test_the_next_page_sends_the_member_to_answer_each_session_s_questions(
    client, series, sessions, attendee
):
    questions_default(event=sessions[1])
    client.force_login(attendee)

    page = register(client, series, whole="on").content.decode()

    answers = reverse("events:answers", args=[sessions[1].slug])
    assert page.count("This session asks 1 question") == 1
    assert f'href="{answers}"' in page
    assert client.get(answers).status_code == 200


def test_registering_for_chosen_sessions_leaves_the_others(client, series, sessions, attendee):
    client.force_login(attendee)

    response = register(client, series, sessions=[sessions[0].pk, sessions[2].pk])

    assert response.status_code == 200
    assert [status_at(event, attendee) for event in sessions] == ["confirmed", None, "confirmed"]


def test_a_full_session_puts_the_member_on_its_waiting_list_and_says_so(
    client, series, sessions, attendee
):
    Event.objects.filter(pk=sessions[1].pk).update(capacity=1)
    first = ProfileFactory().member
    registration_create(event=sessions[1], member=first)
    client.force_login(attendee)

    page = register(client, series, whole="on").content.decode()

    assert [status_at(event, attendee) for event in sessions] == [
        "confirmed",
        "waiting",
        "confirmed",
    ]
    assert "On the waiting list" in page and "This session is full" in page
    # The other sessions' places are untouched by the full one.
    assert status_at(sessions[1], first) == "confirmed"


def test_a_closed_session_is_refused_with_its_reason(client, series, sessions, attendee):
    Event.objects.filter(pk=sessions[2].pk).update(
        registration_closes_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(attendee)

    page = register(client, series, sessions=[sessions[1].pk, sessions[2].pk]).content.decode()

    assert [status_at(event, attendee) for event in sessions] == [None, "confirmed", None]
    assert "Not registered" in page and "Registration for this event has closed." in page


def test_a_session_already_registered_is_said_so_and_left_as_it_was(
    client, series, sessions, attendee
):
    Event.objects.filter(pk=sessions[0].pk).update(capacity=1)
    registration_create(event=sessions[0], member=ProfileFactory().member)
    waiting = registration_create(event=sessions[0], member=attendee)
    client.force_login(attendee)

    page = register(client, series, whole="on").content.decode()

    assert "Already registered" in page
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.WAITING
    assert [status_at(event, attendee) for event in sessions[1:]] == ["confirmed"] * 2


def test_cancelling_one_session_keeps_the_others(client, series, sessions, attendee):
    client.force_login(attendee)
    register(client, series, whole="on")

    client.post(reverse("events:cancel", args=[sessions[1].slug]))

    assert [status_at(event, attendee) for event in sessions] == [
        "confirmed",
        "cancelled",
        "confirmed",
    ]


def test_choosing_no_session_says_so_next_to_the_boxes_and_changes_nothing(
    client, series, sessions, attendee
):
    client.force_login(attendee)

    response = register(client, series)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'id="id_sessions_error"' in page
    assert "Choose at least one session, or register for the whole series." in page
    assert 'href="#id_sessions_0"' in page and 'id="id_sessions_0"' in page
    assert not Registration.objects.filter(member=attendee).exists()


@pytest.mark.parametrize("value", ["not-a-number", "999999"])
def test_a_session_not_of_this_series_is_refused_and_changes_nothing(
    client, series, sessions, attendee, coordinator, value
):
    elsewhere = make_event(coordinator, "Not in the series")
    client.force_login(attendee)

    for chosen in ([value], [sessions[0].pk, elsewhere.pk]):
        response = register(client, series, sessions=chosen)
        assert response.status_code == 400
        assert "Choose from the sessions of this series." in response.content.decode()
    assert not Registration.objects.filter(member=attendee).exists()


def test_nothing_left_to_register_for_says_so(client, series, attendee):
    make_event(series.organiser, "Yesterday", starts_in=-timedelta(days=1), series=series)
    client.force_login(attendee)

    response = register(client, series, whole="on")

    assert response.status_code == 400
    assert "no sessions of this series left" in response.content.decode()


def test_a_visitor_is_asked_to_sign_in(client, series, sessions):
    page = client.get(series.get_absolute_url()).content.decode()
    response = register(client, series, whole="on")

    assert "to register" in page and "Register for the whole series" not in page
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Registration.objects.exists()


# --- running --------------------------------------------------------------------------------


def series_data(**changes):
    data = {
        "kind": "webinar",
        "title": "Flow webinars",
        "summary": "Four webinars on flow.",
        "visibility": "public",
    }
    data.update(changes)
    return data


def test_a_coordinator_creates_a_series_and_adds_an_event_to_it(client, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("events:series_create"), series_data())

    series = Series.objects.get()
    assert response.status_code == 302 and response["Location"] == series.get_absolute_url()
    assert series.slug == "flow-webinars" and series.organiser == coordinator
    event = make_event(coordinator, "Flow 1")
    form = client.get(reverse("events:create"), {"series": series.slug}).content.decode()
    assert f'<option value="{series.pk}" selected>Flow webinars</option>' in form
    client.post(reverse("events:edit", args=[event.slug]), edit_data(event, series=series.pk))
    event.refresh_from_db()
    assert event.series == series


def test_a_series_title_the_urls_need_gets_another_slug(client, coordinator):
    client.force_login(coordinator)

    client.post(reverse("events:series_create"), series_data(title="New"))

    assert Series.objects.get().slug == "new-2"


def test_bad_input_on_the_series_form_is_said_next_to_the_field(client, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("events:series_create"), series_data(title=""))

    assert response.status_code == 400
    assert "Give the series a title." in response.content.decode()
    assert not Series.objects.exists()


def test_an_event_goes_only_into_a_series_its_editor_runs(client, coordinator, series):
    moderator = ProfileFactory(member__name="Mo Derator").member
    leads = Community.objects.create(name="Leads", slug="leads", purpose="p", privacy="closed")
    Membership.objects.create(community=leads, member=moderator, role="moderator")
    event = make_event(moderator, "Leads meeting", community=leads)
    client.force_login(moderator)
    edit = reverse("events:edit", args=[event.slug])
    assert "Not part of a series" not in client.get(edit).content.decode()  # none to choose
    own = make_series(moderator, "Leads series", community=leads)

    form = client.get(edit).content.decode()
    response = client.post(edit, edit_data(event, community=leads.pk, series=series.pk))

    assert "Leads series" in form and series.title not in form
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    event.refresh_from_db()
    assert event.series is None
    client.post(edit, edit_data(event, community=leads.pk, series=own.pk))
    event.refresh_from_db()
    assert event.series == own


def test_only_those_who_run_a_series_edit_it(client, series, member, coordinator):
    client.force_login(member)
    assert client.get(reverse("events:series_edit", args=[series.slug])).status_code == 403
    assert client.post(reverse("events:series_create"), series_data()).status_code == 403

    client.force_login(coordinator)
    response = client.post(
        reverse("events:series_edit", args=[series.slug]), series_data(title="Renamed")
    )

    assert response.status_code == 302
    series.refresh_from_db()
    assert series.title == "Renamed" and series.slug == "measurement-masterclasses"


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("page_name", ["series", "list"])
def test_the_series_page_and_the_list_use_the_same_queries_for_few_or_many(
    client, coordinator, attendee, page_name, django_assert_num_queries
):
    client.force_login(attendee)
    series = make_series(coordinator)
    first = add_sessions(series, 1, capacity=50)[0]
    registration_create(event=first, member=attendee)
    url = series.get_absolute_url() if page_name == "series" else reverse("events:list")
    expected = {"series": 7, "list": 8}[page_name]
    with django_assert_num_queries(expected):
        client.get(url)
    for number in range(2, 25):
        other = make_series(coordinator, f"Series {number}")
        for event in (
            make_event(coordinator, f"Session {number}", capacity=50, series=series),
            make_event(coordinator, f"Other {number}", capacity=50, series=other),
        ):
            registration_create(event=event, member=attendee)
            registration_create(event=event, member=ProfileFactory().member)
    with django_assert_num_queries(expected):
        client.get(url)


def test_a_session_whose_questions_must_be_answered_is_registered_on_its_own_page(
    client, series, sessions, attendee
):
    RegistrationQuestion.objects.create(
        event=sessions[1],
        position=1,
        text="Which workshop?",
        kind="choice",
        choices="Run charts\nDriver diagrams",
        required=True,
    )
    client.force_login(attendee)

    page = register(client, series, whole="on").content.decode()

    assert [status_at(event, attendee) for event in sessions] == ["confirmed", None, "confirmed"]
    assert "Not registered yet" in page
    assert f'href="{reverse("events:register", args=[sessions[1].slug])}"' in page
    asked = client.get(reverse("events:register", args=[sessions[1].slug]))
    assert asked.status_code == 200 and "Which workshop?" in asked.content.decode()


def test_an_event_whose_address_was_series_moves_to_a_free_one(client, coordinator):
    moving = import_module("events.migrations.0009_event_slug_series")
    make_event(coordinator, "Series", slug="series")
    make_event(coordinator, "Series two", slug="series-2")

    moving.move_event_called_series(apps, None)

    moved = Event.objects.get(title="Series")
    assert moved.slug == "series-3"
    client.force_login(coordinator)
    assert client.get(f"/events/{moved.slug}/edit/").status_code == 200
