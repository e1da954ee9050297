import pytest
from django.urls import reverse

from members.models import Notification
from mentoring.models import Approach, Cohort, Match, MentoringRequest
from mentoring.services import approach_accept, request_create
from mentoring.tasks import sweep_mentoring
from tests.factories import ProfileFactory
from tests.mentoring.conftest import make_mentor

pytestmark = pytest.mark.django_db


def needs(topics, **extra):
    return {
        "goals": "Spread our frailty huddles.",
        "areas": [topics["Frailty"].pk],
        "other_organisation": "on",
        "format": "either",
        **extra,
    }


def test_a_mentee_sees_explained_suggestions_and_sends_to_the_top_one(client, mentee, topics):
    top = make_mentor("Top Mentor", areas=[topics["Frailty"]], capacity=2)
    make_mentor("Other Mentor", areas=[topics["Dementia"]])
    client.force_login(mentee)

    shown = client.post(reverse("mentoring:ask"), needs(topics))
    page = shown.content.decode()
    assert page.index("Top Mentor") < page.index("Other Mentor")
    assert "shares 1 of your 1 areas; different organisation" in page

    sent = client.post(reverse("mentoring:ask"), {**needs(topics), "send": "1", "first": top.pk})

    request = MentoringRequest.objects.get()
    assert sent["Location"] == request.get_absolute_url()
    assert request.approaches.get().mentor == top


def test_mentors_who_share_none_of_the_areas_are_listed_apart_after_the_real_matches(
    client, mentee, topics
):
    # Three free places and a different sector outscore one shared area on the rest alone.
    make_mentor("Weak Fit", areas=[topics["Dementia"]], capacity=3)
    make_mentor("Real Fit", areas=[topics["Frailty"]])
    client.force_login(mentee)

    page = client.post(reverse("mentoring:ask"), needs(topics)).content.decode()

    apart = page.index("Other mentors with free places")
    assert page.index("Best fits first") < page.index("Real Fit") < apart < page.index("Weak Fit")


def test_choices_are_made_on_the_cards_one_press_at_a_time(client, mentee, topics):
    first = make_mentor("Ferne First", areas=[topics["Frailty"]], capacity=2)
    second = make_mentor("Sorley Second", areas=[topics["Frailty"]])
    client.force_login(mentee)
    ask = reverse("mentoring:ask")

    def press(chosen, **button):
        carried = {place: mentor_id or "" for place, mentor_id in chosen.items()}
        return client.post(ask, {**needs(topics), **carried, **button}).context["form"].chosen()

    chosen = press({}, choose=f"second:{first.pk}")
    assert chosen == {"first": None, "second": first.pk, "third": None}
    # Asked first instead, a mentor moves; whoever held the place makes way.
    chosen = press(chosen, choose=f"first:{first.pk}")
    assert chosen == {"first": first.pk, "second": None, "third": None}
    chosen = press(chosen, choose=f"first:{second.pk}")
    assert chosen == {"first": second.pk, "second": None, "third": None}
    chosen = press({**chosen, "third": first.pk}, remove=str(second.pk))
    assert chosen == {"first": None, "second": None, "third": first.pk}
    # A press the page did not offer changes nothing.
    assert press(chosen, choose=f"first:{mentee.pk}") == chosen
    assert not MentoringRequest.objects.exists()

    client.post(ask, {**needs(topics), "first": second.pk, "second": first.pk, "send": "1"})
    asked = MentoringRequest.objects.get().approaches.order_by("rank")
    assert [approach.mentor for approach in asked] == [second, first]


def test_bad_choices_get_a_message_and_nothing_is_sent(client, mentee, topics):
    mentor = make_mentor("Top Mentor", areas=[topics["Frailty"]])
    client.force_login(mentee)

    response = client.post(
        reverse("mentoring:ask"),
        {**needs(topics), "send": "1", "first": mentor.pk, "second": mentor.pk},
    )
    assert "Choose a different mentor for each choice." in response.content.decode()
    empty = client.post(reverse("mentoring:ask"), {"goals": " "})
    assert 'id="id_goals_error"' in empty.content.decode()
    assert not MentoringRequest.objects.exists()


@pytest.fixture
def asked(mentee, topics):
    mentor = make_mentor("Mo Mentor", areas=[topics["Frailty"]])
    request = request_create(
        mentee=mentee,
        goals="Spread our frailty huddles.",
        area_ids=[topics["Frailty"].pk],
        mentor_ids=[mentor.pk],
    )
    return request, mentor


def test_only_the_mentee_and_the_mentor_asked_see_a_request(client, asked, coordinator):
    request, mentor = asked
    url = request.get_absolute_url()
    for outsider in (ProfileFactory().member, coordinator):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(mentor)
    assert "Spread our frailty huddles." in client.get(url).content.decode()


def test_the_mentor_accepts_and_both_see_the_relationship_and_log_meetings(
    client, asked, mentee, coordinator
):
    request, mentor = asked
    client.force_login(mentor)

    response = client.post(request.get_absolute_url(), {"action": "accept", "message": "Gladly"})

    match = Match.objects.get()
    assert response["Location"] == match.get_absolute_url()
    client.post(
        match.get_absolute_url(),
        {"action": "meeting", "met_on": "2026-11-20", "notes": "Agreed to test huddles on ward 3."},
    )
    client.force_login(mentee)
    page = client.get(match.get_absolute_url()).content.decode()
    assert "Agreed to test huddles on ward 3." in page
    for outsider in (coordinator, ProfileFactory().member):
        client.force_login(outsider)
        assert client.get(match.get_absolute_url()).status_code == 404


def test_accepting_twice_says_it_was_answered(client, asked):
    request, mentor = asked
    client.force_login(mentor)
    client.post(request.get_absolute_url(), {"action": "accept"})

    again = client.post(request.get_absolute_url(), {"action": "accept"}, follow=True)

    assert "already been answered" in again.content.decode()
    assert Match.objects.count() == 1


def test_closing_asks_both_for_feedback(client, asked, mentee):
    request, mentor = asked
    match = approach_accept(approach=request.approaches.get(), mentor=mentor)
    client.force_login(mentee)

    client.post(f"{match.get_absolute_url()}close/")
    client.post(
        match.get_absolute_url(),
        {"action": "feedback", "helped": "on", "rating": "4", "changed": "I lead our huddles now."},
    )

    assert Notification.objects.filter(kind="mentoring_closed").count() == 2
    assert match.feedback.get().rating == 4


def test_closing_asks_on_a_page_of_its_own_and_only_its_button_closes(client, asked, mentee):
    request, mentor = asked
    match = approach_accept(approach=request.approaches.get(), mentor=mentor)
    client.force_login(mentee)

    page = client.get(f"{match.get_absolute_url()}close/").content.decode()
    client.post(match.get_absolute_url(), {"action": "close"})  # the old button does nothing

    assert "Are you sure you want to close your mentoring with" in page
    assert "Yes, close the relationship" in page
    match.refresh_from_db()
    assert match.status == Match.Status.ACTIVE
    client.post(f"{match.get_absolute_url()}close/")
    match.refresh_from_db()
    assert match.status == Match.Status.CLOSED


def test_reminders_and_check_ins_go_once(asked):
    from datetime import timedelta

    from django.utils import timezone

    _request, mentor = asked
    Approach.objects.update(sent_at=timezone.now() - timedelta(days=4))

    assert sweep_mentoring()["reminded"] == 1
    assert sweep_mentoring()["reminded"] == 0
    assert Notification.objects.filter(recipient=mentor, kind="mentoring_reminder").count() == 1


def test_a_coordinator_matches_a_cohort_reviews_swaps_and_publishes(client, coordinator, topics):
    waiting = []
    for number in range(3):
        mentee = ProfileFactory(member__name=f"Cohort Mentee {number}").member
        waiting.append(
            request_create(
                mentee=mentee, goals="Learn QI.", area_ids=[topics["Frailty"].pk], mentor_ids=[]
            )
        )
    mentors = [
        make_mentor("Frailty Mentor", areas=[topics["Frailty"]], capacity=2),
        make_mentor("Data Mentor", areas=[topics["Data and evaluation"]]),
    ]
    member = ProfileFactory().member
    client.force_login(member)
    assert client.get(reverse("mentoring:cohorts")).status_code == 403

    client.force_login(coordinator)
    response = client.post(
        reverse("mentoring:cohorts"),
        {
            "name": "Spring cohort",
            "mentees": [request.pk for request in waiting],
            "mentors": [mentor.mentor_offer.pk for mentor in mentors],
        },
    )
    cohort = Cohort.objects.get()
    assert response["Location"] == cohort.get_absolute_url()
    pairs = list(cohort.pairs.all())
    assert len(pairs) == 3
    assert sum(1 for pair in pairs if pair.mentor == mentors[0]) == 2

    client.post(cohort.get_absolute_url(), {"action": "publish"})

    assert Approach.objects.filter(status="pending").count() == 3
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.PUBLISHED
    again = client.post(cohort.get_absolute_url(), {"action": "publish"}, follow=True)
    assert "already been published" in again.content.decode()


def test_my_page_and_export_show_mentoring_but_never_to_others(client, asked, mentee):
    import json

    request, mentor = asked
    match = approach_accept(approach=request.approaches.get(), mentor=mentor)
    client.force_login(mentor)
    client.post(
        match.get_absolute_url(),
        {"action": "meeting", "met_on": "2026-11-20", "notes": "Private words."},
    )

    assert "Mentoring Mina Mentee" in client.get(reverse("members:me")).content.decode()
    exported = json.loads(client.get(reverse("members:export")).content)
    assert exported["mentoring"]["relationships"][0]["meetings"][0]["notes"] == "Private words."
    client.force_login(ProfileFactory().member)
    profile = client.get(reverse("members:profile", args=[mentee.profile.slug])).content.decode()
    assert "Private words." not in profile and "Mo Mentor" not in profile


def test_the_pair_agree_goals_and_a_planned_end(client, asked, mentee):
    request, mentor = asked
    match = approach_accept(approach=request.approaches.get(), mentor=mentor)
    client.force_login(mentee)

    bad = client.post(match.get_absolute_url(), {"action": "plan", "goals": "", "ends_on": "soon"})
    client.post(
        match.get_absolute_url(),
        {"action": "plan", "goals": "Run one PDSA a month.", "ends_on": "2027-05-31"},
    )

    assert 'id="id_goals_error"' in bad.content.decode()
    match.refresh_from_db()
    assert match.goals == "Run one PDSA a month." and str(match.ends_on) == "2027-05-31"


def test_a_mentor_not_yet_asked_does_not_see_the_request(client, mentee, topics):
    first = make_mentor("First", areas=[topics["Frailty"]])
    second = make_mentor("Second", areas=[topics["Frailty"]])
    request = request_create(
        mentee=mentee,
        goals="Goals",
        area_ids=[topics["Frailty"].pk],
        mentor_ids=[first.pk, second.pk],
    )
    client.force_login(second)

    assert client.get(request.get_absolute_url()).status_code == 404


def test_an_overlong_answer_keeps_the_text_and_says_why(client, asked):
    request, mentor = asked
    client.force_login(mentor)

    response = client.post(request.get_absolute_url(), {"action": "accept", "message": "x" * 1200})

    assert response.status_code == 400
    assert 'id="id_message_error"' in response.content.decode()
    assert not Match.objects.exists()


def test_a_closed_relationship_takes_no_more_meetings(client, asked, mentee):
    request, mentor = asked
    match = approach_accept(approach=request.approaches.get(), mentor=mentor)
    client.force_login(mentee)
    client.post(f"{match.get_absolute_url()}close/")

    client.post(match.get_absolute_url(), {"action": "meeting", "met_on": "2026-11-20"})

    assert not match.meetings.exists()


def test_monthly_check_ins_go_once_to_both(asked):
    from datetime import timedelta

    from django.utils import timezone

    request, mentor = asked
    match = approach_accept(approach=request.approaches.get(), mentor=mentor)
    Match.objects.filter(pk=match.pk).update(started_at=timezone.now() - timedelta(days=31))

    assert sweep_mentoring()["checked_in"] == 1
    assert sweep_mentoring()["checked_in"] == 0
    assert Notification.objects.filter(kind="mentoring_check_in").count() == 2


def test_a_coordinator_swaps_two_pairs(client, coordinator, topics):
    requests = [
        request_create(
            mentee=ProfileFactory(member__name=f"Swap Mentee {n}").member,
            goals="Learn.",
            area_ids=[topics["Frailty"].pk],
            mentor_ids=[],
        )
        for n in range(2)
    ]
    mentors = [make_mentor(f"Swap Mentor {n}", areas=[topics["Frailty"]]) for n in range(2)]
    client.force_login(coordinator)
    client.post(
        reverse("mentoring:cohorts"),
        {
            "name": "Swaps",
            "mentees": [request.pk for request in requests],
            "mentors": [mentor.mentor_offer.pk for mentor in mentors],
        },
    )
    cohort = Cohort.objects.get()
    first, second = cohort.pairs.order_by("pk")
    before = {first.request_id: first.mentor_id, second.request_id: second.mentor_id}

    client.post(
        cohort.get_absolute_url(), {"action": "swap", "first": first.pk, "second": second.pk}
    )

    after = dict(cohort.pairs.values_list("request_id", "mentor_id"))
    assert after == {
        first.request_id: before[second.request_id],
        second.request_id: before[first.request_id],
    }


def test_offering_and_pausing_show_on_the_profile_and_in_the_directory(client, topics):
    member = ProfileFactory(member__name="Offering Member").member
    client.force_login(member)
    offer = {
        "areas": [topics["Frailty"].pk],
        "offer": "Run charts.",
        "capacity": "2",
        "format": "either",
    }

    client.post(reverse("mentoring:offer"), offer)
    assert member.profile.__class__.objects.get(member=member).open_to_mentoring
    client.post(reverse("mentoring:offer"), {**offer, "paused": "on"})
    assert not member.profile.__class__.objects.get(member=member).open_to_mentoring
