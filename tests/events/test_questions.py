"""Registration questions: those who run an event ask them, members answer when they register,
and the answers reach the attendees page and its CSV, the member's export, and go with the
member's account."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Membership
from events.models import Event, Registration, RegistrationAnswer, RegistrationQuestion
from events.services import (
    DEFAULT_QUESTION,
    EventError,
    registration_cancel,
    registration_create,
)
from tests.events.conftest import make_event
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db

DIETARY = "Do you have access or dietary needs?"


def ask(event, text, kind="short_text", *, choices="", required=False, position=0):
    return RegistrationQuestion.objects.create(
        event=event, text=text, kind=kind, choices=choices, required=required, position=position
    )


@pytest.fixture
def questions(webinar):
    """The webinar asks for needs (optional) and a workshop (a required choice)."""
    return [
        ask(webinar, DIETARY, position=1),
        ask(
            webinar,
            "Which workshop would you like to join?",
            "choice",
            choices="Run charts\nDriver diagrams",
            required=True,
            position=2,
        ),
    ]


def field(question) -> str:
    return f"question-{question.pk}"


def attendees_csv(client, event) -> list[list[str]]:
    response = client.get(reverse("events:attendees", args=[event.slug]), {"format": "csv"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- registering ------------------------------------------------------------------------------


def test_the_event_page_asks_the_questions_above_the_register_button(
    client, webinar, questions, attendee
):
    client.force_login(attendee)

    page = client.get(webinar.get_absolute_url()).text

    assert f"{DIETARY} (optional)" in page
    assert "Which workshop would you like to join?" in page
    assert 'value="Driver diagrams"' in page
    assert page.index("Which workshop") < page.index(">Register<")


def test_a_missing_required_answer_is_said_next_to_the_question_and_nothing_is_saved(
    client, webinar, questions, attendee
):
    needs, workshop = questions
    client.force_login(attendee)

    refused = client.post(
        reverse("events:register", args=[webinar.slug]), {field(needs): "Step-free access"}
    )

    assert refused.status_code == 400
    message = "Choose your answer to “Which workshop would you like to join?”."
    assert message in refused.text
    assert f'id="id_{field(workshop)}_error"' in refused.text
    assert "There is a problem" in refused.text
    assert 'value="Step-free access"' in refused.text, "what they typed is kept"
    assert not Registration.objects.exists()
    assert not RegistrationAnswer.objects.exists()


def test_an_answer_that_is_not_one_of_the_choices_is_refused(client, webinar, questions, attendee):
    _, workshop = questions
    client.force_login(attendee)

    refused = client.post(
        reverse("events:register", args=[webinar.slug]), {field(workshop): "Something else"}
    )

    assert refused.status_code == 400
    assert "Choose one of the answers offered" in refused.text
    assert not Registration.objects.exists()


def test_answers_are_saved_with_the_place(client, webinar, questions, attendee):
    needs, workshop = questions
    client.force_login(attendee)

    done = client.post(
        reverse("events:register", args=[webinar.slug]),
        {field(needs): "  Vegan; a seat near the door  ", field(workshop): "Driver diagrams"},
        follow=True,
    )

    assert "Your place is confirmed." in done.text
    registration = Registration.objects.get(member=attendee)
    assert dict(registration.answers.values_list("question__text", "answer")) == {
        DIETARY: "Vegan; a seat near the door",
        "Which workshop would you like to join?": "Driver diagrams",
    }
    assert "Your answers" in done.text and "Vegan; a seat near the door" in done.text


def test_an_event_without_questions_still_registers_with_one_button(client, webinar, attendee):
    client.force_login(attendee)

    client.post(reverse("events:register", args=[webinar.slug]))

    assert Registration.objects.get(member=attendee).status == Registration.Status.CONFIRMED


def test_a_place_taken_without_being_asked_leaves_the_answers_for_later(
    client, webinar, questions, attendee
):
    """Registering for a whole series takes the place of each session that requires no answer
    without asking its questions: the member answers them from each event's page."""
    questions[1].delete()  # the required one: see the test below
    registration = registration_create(event=webinar, member=attendee)
    client.force_login(attendee)

    page = client.get(webinar.get_absolute_url()).text

    assert registration.status == Registration.Status.CONFIRMED
    assert "Not answered" in page and "Change your answers" in page


def test_a_member_changes_their_answers_until_the_event_starts(
    client, webinar, questions, attendee
):
    needs, workshop = questions
    registration_create(
        event=webinar, member=attendee, answers={needs.pk: "None", workshop.pk: "Run charts"}
    )
    client.force_login(attendee)
    url = reverse("events:answers", args=[webinar.slug])

    form = client.get(url).text
    assert f'value="Run charts" id="id_{field(workshop)}_0" checked>' in form
    refused = client.post(url, {field(needs): "", field(workshop): ""})
    assert refused.status_code == 400
    client.post(url, {field(needs): "", field(workshop): "Driver diagrams"})

    answers = dict(RegistrationAnswer.objects.values_list("question_id", "answer"))
    assert answers == {workshop.pk: "Driver diagrams"}, "a cleared answer is gone"

    Event.objects.filter(pk=webinar.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    assert client.post(url, {field(workshop): "Run charts"}).status_code == 302
    assert RegistrationAnswer.objects.get().answer == "Driver diagrams"


def test_someone_without_a_place_has_no_answers_to_change(client, webinar, questions, member):
    client.force_login(member)

    assert client.get(reverse("events:answers", args=[webinar.slug])).status_code == 404


# --- the attendees page and its CSV ---------------------------------------------------------


def test_answers_are_on_the_attendees_page_and_in_the_csv(
    client, coordinator, webinar, questions, attendee
):
    needs, workshop = questions
    quiet = ProfileFactory(member__name="Quinn Quiet").member
    registration_create(
        event=webinar,
        member=attendee,
        answers={needs.pk: "Hearing loop, please", workshop.pk: "Run charts"},
    )
    registration_create(event=webinar, member=quiet, answers={workshop.pk: "Driver diagrams"})
    client.force_login(coordinator)

    page = client.get(reverse("events:attendees", args=[webinar.slug])).text
    assert "Hearing loop, please" in page and "Driver diagrams" in page

    header, *rows = attendees_csv(client, webinar)
    assert header[-2:] == [DIETARY, "Which workshop would you like to join?"]
    by_name = {row[0]: row for row in rows}
    assert by_name["Ada Attendee"][-2:] == ["Hearing loop, please", "Run charts"]
    assert by_name["Quinn Quiet"][-2:] == ["", "Driver diagrams"]


def test_an_answer_in_any_language_comes_back_as_written(
    client, coordinator, webinar, questions, attendee
):
    needs, workshop = questions
    written = "Gàidhlig, le do thoil – 手話通訳 🦻"
    client.force_login(attendee)
    client.post(
        reverse("events:register", args=[webinar.slug]),
        {field(needs): written, field(workshop): "Run charts"},
    )
    client.force_login(coordinator)

    assert written in client.get(reverse("events:attendees", args=[webinar.slug])).text
    header, row = attendees_csv(client, webinar)
    assert row[header.index(DIETARY)] == written


def test_an_answer_that_looks_like_a_formula_is_not_run_by_a_spreadsheet(
    client, coordinator, webinar, questions, attendee
):
    needs, workshop = questions
    registration_create(
        event=webinar,
        member=attendee,
        answers={needs.pk: '=HYPERLINK("https://harm.example.org")', workshop.pk: "Run charts"},
    )
    client.force_login(coordinator)

    header, row = attendees_csv(client, webinar)

    assert row[header.index(DIETARY)] == '\'=HYPERLINK("https://harm.example.org")'


def test_the_attendees_page_asks_the_same_queries_for_few_or_many_answers(
    client, coordinator, webinar, questions, django_assert_num_queries
):
    needs, workshop = questions
    url = reverse("events:attendees", args=[webinar.slug])
    client.force_login(coordinator)

    def register(count):
        for number in range(count):
            registration_create(
                event=webinar,
                member=ProfileFactory().member,
                answers={needs.pk: f"Need {number}", workshop.pk: "Run charts"},
            )

    register(1)
    with django_assert_num_queries(11):
        client.get(url)
    ask(webinar, "Anything else?", position=3)
    register(30)
    with django_assert_num_queries(11):
        page = client.get(url)
    assert "Need 29" in page.text


# --- those who run the event ------------------------------------------------------------------


def test_a_new_event_asks_about_access_and_dietary_needs(client, coordinator):
    starts = timezone.localtime() + timedelta(days=10)
    client.force_login(coordinator)

    client.post(
        reverse("events:create"),
        {
            "kind": "masterclass",
            "title": "Frailty masterclass",
            "summary": "Practical tools.",
            "starts_at": starts.strftime("%Y-%m-%dT10:00"),
            "ends_at": starts.strftime("%Y-%m-%dT12:00"),
            "format": "online",
            "joining_link": "https://meet.example.org/x",
            "visibility": "members",
        },
    )

    [question] = Event.objects.get().questions.all()
    assert question.text == DEFAULT_QUESTION == DIETARY
    assert question.kind == "short_text" and not question.required


def test_the_event_team_adds_changes_orders_and_removes_questions(client, coordinator, webinar):
    client.force_login(coordinator)
    url = reverse("events:questions", args=[webinar.slug])

    no_choices = client.post(url, {"text": "Which room?", "kind": "choice", "choices": "Blue"})
    assert no_choices.status_code == 400
    assert "Enter at least two choices, one on each line." in no_choices.text
    no_text = client.post(url, {"text": "", "kind": "yes_no"})
    assert "Write the question." in no_text.text
    assert not RegistrationQuestion.objects.exists()

    client.post(url, {"text": "Will you stay for lunch?", "kind": "yes_no", "required": "on"})
    client.post(url, {"text": "Which room?", "kind": "choice", "choices": "Blue\n\n Green \n"})
    lunch, room = RegistrationQuestion.objects.order_by("position")
    assert room.choice_list == ["Blue", "Green"] and lunch.required

    client.post(url, {"move": room.pk, "direction": "up"})
    assert list(webinar.questions.values_list("text", flat=True)) == [
        "Which room?",
        "Will you stay for lunch?",
    ]

    edit = reverse("events:question_edit", args=[webinar.slug, room.pk])
    client.post(edit, {"text": "Which room would you like?", "kind": "choice", "choices": "A\nB"})
    room.refresh_from_db()
    assert room.text == "Which room would you like?" and room.choice_list == ["A", "B"]

    remove = reverse("events:question_remove", args=[webinar.slug, lunch.pk])
    assert "Nobody has answered this question yet." in client.get(remove).text
    client.post(remove)
    assert list(webinar.questions.all()) == [room]


def test_a_question_with_answers_keeps_its_type_and_is_removed_only_when_confirmed(
    client, coordinator, webinar, questions, attendee
):
    needs, workshop = questions
    registration_create(
        event=webinar, member=attendee, answers={needs.pk: "Wheelchair", workshop.pk: "Run charts"}
    )
    client.force_login(coordinator)

    refused = client.post(
        reverse("events:question_edit", args=[webinar.slug, needs.pk]),
        {"text": DIETARY, "kind": "yes_no"},
    )
    assert refused.status_code == 400
    assert "its type cannot change" in refused.text
    needs.refresh_from_db()
    assert needs.kind == "short_text"
    reworded = client.post(
        reverse("events:question_edit", args=[webinar.slug, needs.pk]),
        {"text": "Are you vegetarian?", "kind": "short_text"},
    )
    assert reworded.status_code == 400 and "its wording cannot change" in reworded.text
    needs.refresh_from_db()
    assert needs.text == DIETARY

    remove = reverse("events:question_remove", args=[webinar.slug, needs.pk])
    confirm = client.get(remove).text
    assert "1 member answered this question" in confirm and "This cannot be undone." in confirm
    assert RegistrationAnswer.objects.filter(question=needs).exists()
    done = client.post(remove, follow=True)
    assert "The question is removed, with 1 answer." in done.text
    assert not RegistrationAnswer.objects.filter(question=needs.pk).exists()


def test_a_question_of_another_event_is_not_found_through_this_one(client, coordinator, webinar):
    other = ask(make_event(coordinator, "Another event"), "Elsewhere?")
    client.force_login(coordinator)

    assert (
        client.get(reverse("events:question_edit", args=[webinar.slug, other.pk])).status_code
        == 404
    )
    assert (
        client.post(reverse("events:question_remove", args=[webinar.slug, other.pk])).status_code
        == 404
    )
    assert RegistrationQuestion.objects.filter(pk=other.pk).exists()


def test_someone_who_does_not_run_the_event_cannot_reach_its_questions(
    client, coordinator, webinar, questions, member
):
    client.force_login(member)
    url = reverse("events:questions", args=[webinar.slug])

    assert client.get(url).status_code == 403
    assert client.post(url, {"text": "Sneaky?", "kind": "yes_no"}).status_code == 403
    assert webinar.questions.count() == 2


def test_an_outsider_does_not_learn_a_secret_communitys_event_has_questions(client, outsider):
    quiet = Community.objects.create(
        name="Quiet Leaders", slug="quiet-leaders", purpose="Peer support.", privacy="secret"
    )
    retreat = make_event(ProfileFactory().member, "Quiet leaders retreat", community=quiet)
    question = ask(retreat, "Dietary needs?")
    client.force_login(outsider)

    for url in (
        reverse("events:questions", args=[retreat.slug]),
        reverse("events:question_edit", args=[retreat.slug, question.pk]),
        reverse("events:question_remove", args=[retreat.slug, question.pk]),
    ):
        assert client.get(url).status_code == 404


def test_a_moderator_who_may_cancel_but_not_run_the_event_sees_no_answers(
    client, coordinator, attendee
):
    falls = Community.objects.create(
        name="Falls Prevention", slug="falls-prevention", purpose="Fewer falls.", privacy="open"
    )
    moderator = ProfileFactory(member__name="Mhairi Moderator").member
    Membership.objects.create(community=falls, member=moderator, role="moderator")
    webinar = make_event(coordinator, "Falls webinar", community=falls)
    needs = ask(webinar, DIETARY)
    registration_create(event=webinar, member=attendee, answers={needs.pk: "Gluten free"})
    client.force_login(moderator)

    assert "Gluten free" not in client.get(webinar.get_absolute_url()).text
    assert "Gluten free" not in client.get(reverse("events:cancel_event", args=[webinar.slug])).text
    for url in (
        reverse("events:questions", args=[webinar.slug]),
        reverse("events:question_edit", args=[webinar.slug, needs.pk]),
        reverse("events:attendees", args=[webinar.slug]),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("events:question_remove", args=[webinar.slug, needs.pk])).status_code
        == 403
    )
    assert RegistrationAnswer.objects.filter(answer="Gluten free").exists()


# --- the member's data --------------------------------------------------------------------


def test_the_members_export_holds_their_answers(client, webinar, questions, attendee):
    needs, workshop = questions
    registration_create(
        event=webinar, member=attendee, answers={needs.pk: "Halal", workshop.pk: "Run charts"}
    )
    client.force_login(attendee)

    export = json.loads(client.get(reverse("members:export")).content)

    assert export["events"][0]["answers"] == [
        {"question": DIETARY, "answer": "Halal"},
        {"question": "Which workshop would you like to join?", "answer": "Run charts"},
    ]


def test_closing_an_account_erases_its_answers(client, webinar, questions, attendee):
    needs, workshop = questions
    other = ProfileFactory().member
    registration_create(
        event=webinar, member=attendee, answers={needs.pk: "Nut allergy", workshop.pk: "Run charts"}
    )
    registration_create(event=webinar, member=other, answers={workshop.pk: "Run charts"})
    client.force_login(attendee)

    client.post(reverse("members:delete"), {"password": PASSWORD})

    assert not RegistrationAnswer.objects.filter(registration__member=attendee).exists()
    assert not RegistrationAnswer.objects.filter(answer="Nut allergy").exists()
    assert RegistrationAnswer.objects.filter(registration__member=other).count() == 1


def test_an_event_asks_at_most_twenty_questions(client, coordinator, webinar):
    for number in range(20):
        ask(webinar, f"Question {number}?", position=number)
    client.force_login(coordinator)

    refused = client.post(
        reverse("events:questions", args=[webinar.slug]), {"text": "One more?", "kind": "yes_no"}
    )

    assert refused.status_code == 400
    assert "An event can ask at most 20 questions: remove one first." in refused.text
    assert webinar.questions.count() == 20


def test_answers_go_with_a_place_given_up_and_are_asked_again(webinar, questions, attendee):
    needs, workshop = questions
    registration_create(
        event=webinar,
        member=attendee,
        answers={needs.pk: "Wheelchair user", workshop.pk: "Run charts"},
    )
    registration_cancel(event=webinar, member=attendee)
    assert not RegistrationAnswer.objects.filter(registration__member=attendee).exists()


def test_a_place_is_never_taken_without_the_answers_the_event_requires(
    webinar, questions, attendee
):
    with pytest.raises(EventError, match="Answer the question"):
        registration_create(event=webinar, member=attendee)
    assert not webinar.registrations.exists()
