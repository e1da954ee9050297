"""Each measure on a small hand-built network whose answers are known."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bulletins.models import Bulletin
from communities.models import Community, Membership, Post, Thread
from events.models import Event, Feedback, Registration
from insights import services
from insights.measures import MEASURES, MEASURES_BY_KEY, Period, Scope
from insights.tasks import refresh_figures
from members.models import Region
from mentoring.models import Match, MentoringRequest
from resources.models import Use
from tests.events.conftest import make_event
from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 25)
PERIOD = Period(3, TODAY)  # September to November 2026, after June to August


def moment(year, month, day=10):
    return datetime(year, month, day, 12, tzinfo=LONDON)


def figure(key, region="", **scope):
    return MEASURES_BY_KEY[key].compute(PERIOD, Scope(region=region, **scope))


def person(region=Region.EAST, organisation=None, **fields):
    return ProfileFactory(
        region=region, organisation=organisation or OrganisationFactory(), **fields
    ).member


def test_the_period_is_whole_months_and_compared_with_as_many_days_before():
    assert PERIOD.month_starts == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert PERIOD.start == datetime(2026, 9, 1, tzinfo=LONDON)
    assert PERIOD.end == datetime(2026, 12, 1, tzinfo=LONDON)
    # 1 September to the end of 25 November is 86 days; the 86 days before start on 7 June.
    assert PERIOD.previous_start == datetime(2026, 6, 7, tzinfo=LONDON)


def test_new_members_by_month_and_region():
    for month, region in [(7, Region.EAST), (9, Region.EAST), (11, Region.EAST), (11, Region.WEST)]:
        member = person(region=region)
        member.date_joined = moment(2026, month)
        member.save()
    unconfirmed = ProfileFactory(member__verified=False).member
    unconfirmed.date_joined = moment(2026, 11)
    unconfirmed.save()

    everyone, east = figure("new-members"), figure("new-members", Region.EAST)

    assert (everyone.value, everyone.previous) == (3, 1)
    assert [amount for _, amount in everyone.series] == [1, 0, 2]
    assert (east.value, east.previous) == (2, 1)


def test_replies_count_every_post_after_the_opening_one_outside_secret_communities():
    author, replier = person(), person()
    for privacy, replies in [(Community.Privacy.OPEN, 2), (Community.Privacy.SECRET, 5)]:
        community = Community.objects.create(
            name=f"{privacy} community", slug=f"{privacy}-community", purpose="x", privacy=privacy
        )
        thread = Thread.objects.create(community=community, author=author, title="Huddles")
        Post.objects.create(
            thread=thread, author=author, body="Q", body_html="Q", created_at=moment(2026, 10)
        )
        for _ in range(replies):
            Post.objects.create(
                thread=thread,
                author=replier,
                body="A",
                body_html="A",
                created_at=moment(2026, 10, 12),
            )

    assert figure("replies").value == 2


def test_joins_that_match_interests():
    falls, discharge = TopicFactory(name="Falls"), TopicFactory(name="Discharge")
    community = Community.objects.create(name="Falls network", slug="falls", purpose="x")
    community.topics.set([falls])
    interested = ProfileFactory(region=Region.EAST)
    interested.interests.set([falls])
    elsewhere = ProfileFactory(region=Region.EAST)
    elsewhere.interests.set([discharge])
    for profile in (interested, elsewhere):
        Membership.objects.create(
            community=community, member=profile.member, joined_at=moment(2026, 9)
        )

    assert figure("interest-matched-joins").value == 1


def test_mentoring_pairs_and_those_across_organisations():
    shared = OrganisationFactory()
    for mentor_organisation, month in [(shared, 9), (None, 10), (None, 5)]:
        mentee = person(organisation=shared)
        mentor = person(organisation=mentor_organisation)
        Match.objects.create(
            request=MentoringRequest.objects.create(mentee=mentee, goals="g"),
            mentor=mentor,
            mentee=mentee,
            goals="g",
            started_at=moment(2026, month),
        )

    assert figure("mentoring-pairs").value == 2
    assert figure("cross-organisation-mentoring").value == 1  # May is outside both periods


def test_event_rating_is_the_average_of_the_periods_feedback(coordinator):
    event = make_event(coordinator)
    for stars, month in [(5, 9), (4, 10), (3, 11), (1, 7)]:
        registration = Registration.objects.create(event=event, member=person(), status="confirmed")
        Feedback.objects.create(
            registration=registration, rating=stars, created_at=moment(2026, month)
        )

    rating = figure("event-rating")

    assert (rating.value, rating.previous) == (4.0, 1.0)


def test_the_csv_has_a_row_a_month_and_the_totals(client, member):
    client.force_login(member)

    response = client.get(reverse("insights:measure_csv", args=["new-members"]), {"months": 3})

    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode()), "Excel reads it as UTF-8"
    assert lines[0] == "month,New members"
    assert len(lines) == 1 + 3 + 2
    assert lines[-2].startswith("total for the last 3 months,")


def test_an_unknown_measure_is_not_found(client, member):
    client.force_login(member)

    assert client.get("/insights/measures/nothing.csv").status_code == 404


def test_members_see_the_network_wide_figures_only(client, member, coordinator):
    client.force_login(member)
    page = client.get(reverse("insights:dashboard"), {"region": "west"}).content.decode()
    assert "across the whole network" in page and 'name="region"' not in page

    client.force_login(coordinator)
    page = client.get(reverse("insights:dashboard"), {"region": "west"}).content.decode()
    assert "for members in the West region" in page


def test_a_bad_period_falls_back_to_a_year(client, member):
    client.force_login(member)

    response = client.get(reverse("insights:dashboard"), {"months": "999"})

    assert response.status_code == 200
    assert "Figures for the last 12 months" in response.content.decode()


def some_activity(count, organiser):
    """Members, communities, threads with replies, events with attendees and mentoring."""
    for index in range(count):
        author, replier = person(), person()
        community = Community.objects.create(
            name=f"Community {index}", slug=f"community-{index}", purpose="p", created_by=author
        )
        Membership.objects.create(community=community, member=replier, joined_at=moment(2026, 10))
        thread = Thread.objects.create(community=community, author=author, title="Huddles")
        for writer in (author, replier):
            Post.objects.create(thread=thread, author=writer, body="x", body_html="x")
        event = make_event(organiser, title=f"Event {index}", starts_in=-timedelta(days=30))
        for attendee in (author, replier):
            Registration.objects.create(event=event, member=attendee, status="confirmed")
        Match.objects.create(
            request=MentoringRequest.objects.create(mentee=author, goals="g"),
            mentor=replier,
            mentee=author,
            goals="g",
            started_at=moment(2026, 10),
        )


@pytest.mark.parametrize("count", [1, 6])
def test_the_figures_take_the_same_queries_whatever_the_activity(
    count, coordinator, django_assert_num_queries
):
    some_activity(count, coordinator)

    # One query a measure, three for the average rating, one for all the active members.
    with django_assert_num_queries(len(MEASURES) + 2):
        services.measure_results(months=12, scope=Scope(region=Region.EAST), fresh=True)


@pytest.mark.parametrize("count", [1, 6])
def test_the_dashboard_reads_the_figures_from_the_cache(
    client, coordinator, count, django_assert_num_queries
):
    some_activity(count, coordinator)
    client.force_login(coordinator)
    client.get(reverse("insights:dashboard"))  # the figures and the analysis, kept a while

    # Session, member, roles, their second factor, unread count; the targets, stories, stories
    # to review, the coordinator's own, the self-assessment; the communities to narrow to.
    with django_assert_num_queries(11):
        response = client.get(reverse("insights:dashboard"))
    assert response.status_code == 200


def test_a_join_matching_several_interests_counts_once():
    falls, frailty = TopicFactory(name="Falls"), TopicFactory(name="Frailty")
    community = Community.objects.create(name="Older people", slug="older", purpose="x")
    community.topics.set([falls, frailty])
    profile = ProfileFactory(region=Region.EAST)
    profile.interests.set([falls, frailty])
    Membership.objects.create(community=community, member=profile.member, joined_at=moment(2026, 9))

    assert figure("interest-matched-joins").value == 1


def test_an_average_with_nothing_before_has_no_comparison(coordinator):
    event = make_event(coordinator)
    registration = Registration.objects.create(event=event, member=person(), status="confirmed")
    Feedback.objects.create(registration=registration, rating=4, created_at=moment(2026, 10))

    rating = figure("event-rating")

    assert (rating.value, rating.previous) == (4.0, None)


def held_event(organiser, title, when, attendees=(), community=None):
    event = make_event(organiser, title=title, starts_in=-timedelta(days=1), community=community)
    Event.objects.filter(pk=event.pk).update(starts_at=when, ends_at=when + timedelta(hours=2))
    for attendee in attendees:
        Registration.objects.create(event=event, member=attendee, status="confirmed")
    return event


def test_communities_with_a_purpose_are_a_running_total():
    for month, privacy, purpose in [
        (5, Community.Privacy.OPEN, "Fewer falls"),
        (10, Community.Privacy.CLOSED, "Safer discharge"),
        (10, Community.Privacy.SECRET, "Hidden"),
        (11, Community.Privacy.OPEN, "   "),
    ]:
        Community.objects.create(
            name=f"{month} {privacy}",
            slug=f"c-{month}-{privacy}",
            purpose=purpose,
            privacy=privacy,
            created_at=moment(2026, month),
        )

    total = figure("communities-with-purpose")

    assert [amount for _, amount in total.series] == [1, 2, 2]
    assert (total.value, total.previous) == (2, 1)  # one more since the start of September


def test_events_and_bulletins_led_by_members_not_the_central_team(coordinator, curator):
    organiser = person()
    held_event(organiser, "Member-led huddle", moment(2026, 10))
    held_event(coordinator, "Central masterclass", moment(2026, 10))
    secret = Community.objects.create(
        name="Quiet room", slug="quiet", purpose="p", privacy=Community.Privacy.SECRET
    )
    held_event(organiser, "Secret meeting", moment(2026, 10), community=secret)
    for author, sent_at in [
        (curator, moment(2026, 9)),
        (coordinator, moment(2026, 9)),
        (curator, None),
    ]:
        Bulletin.objects.create(
            title=f"Bulletin {author.pk} {sent_at}",
            slug=f"b-{author.pk}-{sent_at is None}",
            created_by=author,
            status="sent" if sent_at else "draft",
            sent_at=sent_at,
            frozen={"title": "News", "sections": []} if sent_at else None,
            sent_to_everyone=bool(sent_at),
        )

    assert figure("member-led-events").value == 1
    assert figure("member-led-bulletins").value == 1


def test_a_bulletin_to_a_secret_communitys_members_is_not_counted_even_as_a_number(curator):
    secret = Community.objects.create(
        name="Quiet room", slug="quiet", purpose="p", privacy=Community.Privacy.SECRET
    )
    bulletin = Bulletin.objects.create(
        title="Quiet news",
        slug="quiet-news",
        created_by=curator,
        status="sent",
        sent_at=moment(2026, 10),
        frozen={"title": "Quiet news", "sections": []},
    )
    bulletin.audience_communities.set([secret])

    assert figure("member-led-bulletins").value == 0


def test_threads_and_events_that_cross_organisations():
    health_board, council = OrganisationFactory(), OrganisationFactory()
    asker = person(organisation=health_board)
    community = Community.objects.create(name="Falls", slug="falls", purpose="p")
    for title, replier in [
        ("Across", person(organisation=council)),
        ("Within", person(organisation=health_board)),
    ]:
        thread = Thread.objects.create(
            community=community, author=asker, title=title, created_at=moment(2026, 10)
        )
        Post.objects.create(thread=thread, author=asker, body="Q", body_html="Q")
        Post.objects.create(thread=thread, author=replier, body="A", body_html="A")
    organiser = person()
    held_event(organiser, "Mixed", moment(2026, 9), [asker, person(organisation=council)])
    held_event(organiser, "One board", moment(2026, 9), [asker, person(organisation=health_board)])

    assert figure("cross-organisation-threads").value == 1
    assert figure("cross-organisation-events").value == 1


def test_members_over_time_and_the_active_ones_counted_once():
    busy, quiet, earlier = person(), person(), person()
    for member, month in [(busy, 8), (quiet, 10), (earlier, 3)]:
        member.date_joined = moment(2026, month)
        member.save()
    community = Community.objects.create(name="Falls", slug="falls", purpose="p")
    Membership.objects.create(community=community, member=busy, joined_at=moment(2026, 9))
    thread = Thread.objects.create(community=community, author=busy, title="Huddles")
    Post.objects.create(
        thread=thread, author=busy, body="x", body_html="x", created_at=moment(2026, 9, 20)
    )
    Post.objects.create(
        thread=thread, author=busy, body="y", body_html="y", created_at=moment(2026, 11)
    )
    Post.objects.create(
        thread=thread, author=earlier, body="z", body_html="z", created_at=moment(2026, 7)
    )

    total, active = figure("members"), figure("active-members")

    assert [amount for _, amount in total.series] == [2, 3, 3]
    assert (total.value, total.previous) == (3, 2)
    assert [amount for _, amount in active.series] == [1, 0, 1]
    assert (active.value, active.previous) == (1, 1)  # busy, three times; earlier, in July


def test_connections_made_at_events_are_pairs_of_attendees():
    organiser = person()
    held_event(organiser, "Four people", moment(2026, 10), [person() for _ in range(4)])
    held_event(organiser, "Two people", moment(2026, 11), [person() for _ in range(2)])
    held_event(organiser, "Summer", moment(2026, 7), [person() for _ in range(3)])

    pairs = figure("event-co-attendance")

    assert [amount for _, amount in pairs.series] == [0, 6, 1]
    assert (pairs.value, pairs.previous) == (7, 3)


def test_figures_narrow_to_a_type_of_organisation_and_to_a_community():
    council = OrganisationFactory(kind="council")
    board = OrganisationFactory(kind="health_board")
    falls = Community.objects.create(name="Falls", slug="falls", purpose="p")
    frailty = Community.objects.create(name="Frailty", slug="frailty", purpose="p")
    for community, organisation in [(falls, council), (falls, board), (frailty, council)]:
        opener, replier = person(organisation=organisation), person(organisation=organisation)
        thread = Thread.objects.create(community=community, author=opener, title="Q")
        Post.objects.create(thread=thread, author=opener, body="Q", body_html="Q")
        Post.objects.create(
            thread=thread, author=replier, body="A", body_html="A", created_at=moment(2026, 10)
        )

    assert figure("replies").value == 3
    assert figure("replies", organisation_kind="council").value == 2
    assert figure("replies", community=falls.pk).value == 2
    assert figure("replies", organisation_kind="council", community=falls.pk).value == 1


def pairs_of_mentoring(count):
    for _ in range(count):
        mentee = person()
        Match.objects.create(
            request=MentoringRequest.objects.create(mentee=mentee, goals="g"),
            mentor=person(),
            mentee=mentee,
            goals="g",
            started_at=timezone.now(),
        )


def test_members_see_a_small_count_of_mentoring_as_fewer_than_five(client, member, coordinator):
    pairs_of_mentoring(2)

    client.force_login(member)
    page = client.get(reverse("insights:dashboard")).content.decode()
    figures = client.get(reverse("insights:measure_csv", args=["mentoring-pairs"])).content
    assert "Fewer than 5" in page and "fewer than 5" in figures.decode()
    assert ",2\r\n" not in figures.decode()

    client.force_login(coordinator)
    figures = client.get(reverse("insights:measure_csv", args=["mentoring-pairs"])).content
    assert "fewer than 5" not in figures.decode() and ",2\r\n" in figures.decode()


def test_the_cache_is_filled_by_beat_and_read_by_the_page(client, member):
    person()
    refresh_figures()
    person()  # joins after the figures were worked out

    client.force_login(member)
    page = client.get(reverse("insights:dashboard")).content.decode()

    assert "Worked out at" in page
    cached = services.measure_results(months=12, scope=Scope())
    fresh = services.measure_results(months=12, scope=Scope(), fresh=True)
    assert (cached["results"]["members"].value, fresh["results"]["members"].value) == (1, 2)


def test_an_event_counts_once_it_has_been_held():
    organiser = person()
    # Later today: inside this month's figures, but not held yet.
    make_event(organiser, title="Later today", starts_in=timedelta(minutes=2))
    this_month = Period(1, timezone.localdate())

    assert MEASURES_BY_KEY["member-led-events"].compute(this_month, Scope()).value == 0


SCOPES = [Scope(), Scope(region=Region.EAST), Scope(organisation_kind="council")]


def test_nothing_done_in_a_secret_community_changes_any_figure(coordinator):
    council = OrganisationFactory(kind="council")
    insiders = [person(organisation=council) for _ in range(4)]
    falls = TopicFactory(name="Falls")
    for insider in insiders:
        insider.profile.interests.set([falls])
    before = all_figures()

    secret = Community.objects.create(
        name="Quiet room",
        slug="quiet",
        purpose="p",
        privacy=Community.Privacy.SECRET,
        region=Region.EAST,
        created_by=insiders[0],
        created_at=moment(2026, 10),
    )
    secret.topics.set([falls])
    for insider in insiders:
        Membership.objects.create(community=secret, member=insider, joined_at=moment(2026, 10))
    thread = Thread.objects.create(
        community=secret, author=insiders[0], title="Q", created_at=moment(2026, 10)
    )
    Post.objects.create(
        thread=thread, author=insiders[0], body="Q", body_html="Q", created_at=moment(2026, 10)
    )
    for insider in insiders[1:]:
        answer = Post.objects.create(
            thread=thread, author=insider, body="A", body_html="A", created_at=moment(2026, 10)
        )
    thread.answer = answer
    thread.save()
    meeting = held_event(insiders[0], "Quiet meeting", moment(2026, 10), insiders, secret)
    meeting.registrations.update(created_at=moment(2026, 9))
    for registration in meeting.registrations.all():
        Feedback.objects.create(registration=registration, rating=1, created_at=moment(2026, 10))

    assert all_figures() == before


def all_figures():
    return {
        (measure.key, scope): (result.value, result.previous, result.series)
        for scope in SCOPES
        for measure in MEASURES
        for result in [measure.compute(PERIOD, scope)]
    }


def test_communities_started_by_members_are_narrowed_by_their_own_region(coordinator):
    founder = person(region=Region.NATIONAL)
    for name, region, by in [
        ("Falls North", Region.NORTH, founder),
        ("Falls East", Region.EAST, founder),
        ("Central", Region.NORTH, coordinator),
    ]:
        Community.objects.create(
            name=name,
            slug=name.lower().replace(" ", "-"),
            purpose="p",
            region=region,
            created_by=by,
            created_at=moment(2026, 10),
        )

    assert figure("member-led-communities").value == 2
    assert figure("member-led-communities", Region.NORTH).value == 1
    assert figure("communities-with-purpose", Region.NORTH).value == 2


def test_resources_shared_and_used():
    contributor, user = person(), person()
    shared = make_resource("Huddle guide", contributor=contributor, created_at=moment(2026, 10))
    make_resource("A draft", contributor=contributor, status="draft", slug="draft")
    make_resource("Old", contributor=contributor, created_at=moment(2026, 1), slug="old")
    Use.objects.create(resource=shared, member=user, created_at=moment(2026, 11))

    assert figure("resources-shared").value == 1
    assert (figure("resources-used").value, figure("resources-used", Region.WEST).value) == (1, 0)


def test_questions_answered_count_when_the_answer_was_written():
    asker, answerer = person(), person()
    community = Community.objects.create(name="Falls", slug="falls", purpose="p")
    for title, month in [("Answered in October", 10), ("Answered in May", 5)]:
        thread = Thread.objects.create(community=community, author=asker, title=title)
        Post.objects.create(thread=thread, author=asker, body="Q", body_html="Q")
        thread.answer = Post.objects.create(
            thread=thread, author=answerer, body="A", body_html="A", created_at=moment(2026, month)
        )
        thread.save()
    Thread.objects.create(community=community, author=asker, title="Still open")

    answered = figure("questions-answered")

    assert [amount for _, amount in answered.series] == [0, 1, 0]


def test_a_community_counts_its_own_members_by_when_they_joined_it():
    community = Community.objects.create(name="Falls", slug="falls", purpose="p")
    for month in (9, 11):
        early_member = person()
        early_member.date_joined = moment(2025, 1)
        early_member.save()
        Membership.objects.create(
            community=community, member=early_member, joined_at=moment(2026, month)
        )

    joined = figure("members", community=community.pk)

    assert [amount for _, amount in joined.series] == [1, 1, 2]
    assert figure("new-members", community=community.pk).value == 2


def test_members_see_mentoring_only_for_the_whole_period_rounded(client, member, coordinator):
    pairs_of_mentoring(7)
    figures_link = reverse("insights:measure_csv", args=["mentoring-pairs"])

    client.force_login(member)
    page = client.get(reverse("insights:dashboard")).content.decode()
    rows = client.get(figures_link, {"months": 3}).content.decode().splitlines()

    assert rows[1:] == ["total for the last 3 months,5", "the same length of time before,0"]
    assert "rounded to the nearest 5" in page

    client.force_login(coordinator)
    rows = client.get(figures_link, {"months": 3}).content.decode().splitlines()
    assert rows[-2] == "total for the last 3 months,7" and len(rows) == 1 + 3 + 2


def test_members_cannot_narrow_the_figures_they_download(client, member):
    ProfileFactory(region=Region.WEST)
    ProfileFactory(region=Region.EAST)
    client.force_login(member)

    response = client.get(reverse("insights:measure_csv", args=["new-members"]), {"region": "west"})

    assert response["Content-Disposition"] == 'attachment; filename="new-members-12-months.csv"'
    assert response.content.decode().splitlines()[-2] == "total for the last 12 months,2"
