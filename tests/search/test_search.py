"""Ask the network: grouped, ranked results that respect every permission, and slips forgiven."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Community, Membership, Post, Thread
from communities.services import (
    THREAD_TEXT_LIMIT,
    community_index,
    post_moderate,
    reply_create,
    thread_start,
)
from events.models import Event
from events.services import event_update
from members.models import Profile, User
from members.services import member_erase
from mentoring.models import MentoringRequest
from resources.models import Resource
from search import services as search
from tests.events.conftest import make_event
from tests.factories import ProfileFactory, TopicFactory
from tests.projects.conftest import make_project
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


def found(client, text, **extra):
    response = client.get(reverse("search"), {"q": text, **extra})
    assert response.status_code == 200
    return response.content.decode()


def community(name, privacy=Community.Privacy.OPEN, members=()):
    place = Community.objects.create(
        name=name,
        slug=name.lower().replace(" ", "-"),
        purpose=f"{name}: members share work.",
        privacy=privacy,
    )
    for person in members:
        Membership.objects.create(community=place, member=person)
    community_index(place)
    return place


def discussion(place, author, title, body):
    Membership.objects.get_or_create(community=place, member=author)
    return thread_start(community=place, author=author, title=title, body=body)


@pytest.fixture
def network(coordinator, member):
    """One thing of each kind that mentions "frailty", with a secret marker word in each place
    that some viewers must never reach."""
    falls = TopicFactory(name="Frailty")
    expert = ProfileFactory(
        member__name="Fiona Expert", job_title="Frailty practitioner", expertise=[falls]
    )
    passing = ProfileFactory(
        member__name="Pat Passing",
        job_title="Administrator",
        bio="Once sat in a meeting where frailty came up.",
    )
    private = ProfileFactory(member__name="Priya Private", job_title="Care adviser", bio="frailty")
    public = ProfileFactory(
        member__name="Paul Public", job_title="Frailty nurse", visibility=Profile.Visibility.PUBLIC
    )
    make_resource("Frailty screening guide", audience=Resource.Audience.PUBLIC)
    make_resource("Members frailty toolkit", slug="toolkit", audience=Resource.Audience.MEMBERS)
    make_resource("Draft frailty notes", slug="draft", status=Resource.Status.DRAFT)
    make_resource("Mentoring in practice", slug="mentoring-in-practice")
    open_place = community("Frailty network")
    closed = community("Frailty leads", Community.Privacy.CLOSED)
    secret = community("Quokka room", Community.Privacy.SECRET, members=[coordinator])
    discussion(open_place, coordinator, "Measuring frailty", "How do you measure frailty?")
    discussion(closed, coordinator, "Closed frailty talk", "Frailty budgets for leads.")
    discussion(secret, coordinator, "Quokka frailty plans", "Secret frailty plans.")
    make_event(coordinator, title="Frailty masterclass")
    make_event(coordinator, title="Members frailty webinar", visibility=Event.Visibility.MEMBERS)
    make_event(coordinator, title="Frailty last month", starts_in=-timedelta(days=30))
    make_event(coordinator, title="Frailty long ago", starts_in=-timedelta(days=400))
    make_event(coordinator, title="Quokka frailty meeting", community=secret)
    MentoringRequest.objects.create(mentee=member, goals="Quokka frailty mentoring goals")
    aim = "Half of people living with frailty stay at home after a fall, by March 2027."
    make_project(coordinator, "Frailty at home", visibility="public", aim=aim)
    make_project(coordinator, "Members frailty project", visibility="members", aim=aim)
    make_project(coordinator, "Quokka frailty project", visibility="team", aim=aim)
    # Its background is for members: a visitor sees its title and aim alone.
    make_project(
        coordinator,
        "Ward rounds project",
        visibility="public",
        aim="Every ward round ends with a plan for the day, by June 2027.",
        summary="We began with the frailty scores of every patient.",
    )
    search.words_refresh()
    return {"expert": expert, "passing": passing, "private": private, "public": public}


def test_a_member_sees_results_grouped_with_the_best_first(client, member, network):
    client.force_login(member)

    page = found(client, "frailty")

    for heading in [
        "People",
        "Resources",
        "Communities",
        "Events",
        "Projects",
        "Community discussions",
    ]:
        assert f'">{heading} <span' in page
    # An exact expertise match ranks above a passing mention in a bio.
    assert page.index("Fiona Expert") < page.index("Pat Passing")
    assert "<mark>frailty</mark>" in page.lower()
    assert "Frailty last month" in page and "Frailty long ago" not in page


def test_stemming_finds_mentoring_for_mentor(client, member, network):
    client.force_login(member)

    assert "Mentoring in practice" in found(client, "mentor")


def test_a_slip_of_spelling_is_corrected_and_can_be_undone(client, member, network):
    client.force_login(member)

    page = found(client, "frailtey")

    assert "Showing results for <strong>frailty</strong>" in page
    assert "Fiona Expert" in page
    assert "Search instead for" in page
    assert "Nothing found" in found(client, "frailtey", exact=1)


WHO_SEES = [
    # viewer, what they find, what they never find (not even in counts)
    (
        "visitor",
        ["Paul Public", "Frailty screening guide", "Frailty masterclass", "Frailty at home"],
        [
            "Members frailty project",
            "Ward rounds project",
            "Fiona Expert",
            "Members frailty toolkit",
            "Members frailty webinar",
            "Measuring frailty",
            "Priya Private",
            "Frailty leads",
        ],
    ),
    (
        "member",
        [
            "Fiona Expert",
            "Members frailty toolkit",
            "Measuring frailty",
            "Members frailty webinar",
            "Frailty leads",
            "Members frailty project",
            "Ward rounds project",
        ],
        ["Closed frailty talk"],
    ),
    (
        "coordinator",
        [
            "Quokka room",
            "Quokka frailty plans",
            "Quokka frailty meeting",
            "Closed frailty talk",
            "Quokka frailty project",
        ],
        [],
    ),
]


@pytest.mark.parametrize(("viewer", "sees", "never"), WHO_SEES)
def test_results_respect_who_may_see_what(client, network, viewer, sees, never, request):
    if viewer != "visitor":
        client.force_login(request.getfixturevalue(viewer))

    page = found(client, "frailty")

    for title in sees:
        assert title in page
    for title in [*never, "Draft frailty notes", "mentoring goals"]:
        assert title not in page
    if viewer != "coordinator":
        assert "Quokka" not in page  # the secret community, its thread and its event


def test_counts_leave_out_what_the_viewer_may_not_see(member, network):
    groups = {group.key: group.total for group in search.search(member, "frailty")}

    # Four members (the private one too: members see every member), two resources (not the
    # draft), the open and the closed community, three events (not the old nor the secret one),
    # the open community's thread only (the member is in neither of the others), and the
    # projects shared with members (not the team-only one).
    assert groups == {
        "people": 4,
        "resources": 2,
        "communities": 2,
        "events": 3,
        "projects": 3,
        "threads": 1,
    }

    as_visitor = {group.key: group.total for group in search.search(AnonymousUser(), "frailty")}
    # The public profile, the public resource, the open community, the public events, and the
    # public project whose title and aim (its public summary) name frailty: not the one whose
    # background alone does.
    assert as_visitor == {
        "people": 1,
        "resources": 1,
        "communities": 1,
        "events": 2,
        "projects": 1,
        "threads": 0,
    }


def test_a_correction_never_offers_a_word_the_viewer_could_not_find(client, member, network):
    # "Quokka" is used only in a secret community and in a mentoring request.
    assert "Showing results for" not in found(client, "quokkas")  # a visitor
    client.force_login(member)
    page = found(client, "quokkka")
    assert "quokka" not in page.replace("quokkka", "")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '"unbalanced quote',
        "frailty OR",
        "-",
        "!@#$%^&*()",
        "'; DROP TABLE members_user; --",
        "😀🏥",
        "\x00frailty",
        "<script>alert(1)</script>",
        "frailty & | ! :*",
        "x" * 5000,
    ],
)
def test_odd_queries_get_a_helpful_page(client, member, network, text):
    client.force_login(member)

    page = found(client, text)

    assert "<script>alert(1)</script>" not in page
    assert "Who knows about it" in page  # the search page itself, with its own box
    if text.strip(" \x00"):
        assert "result" in page or "Nothing found" in page
    if len(text) > 200:
        assert "only its first 200 characters were used" in page


def test_an_empty_search_explains_what_can_be_found(client):
    page = found(client, "")

    assert "Search people by what they know" in page


def test_suggestions_offer_people_and_communities_the_viewer_may_see(client, member, network):
    suggest = reverse("search_suggest")

    as_visitor = client.get(suggest, {"q": "pau"}).content.decode()
    assert "Paul Public" in as_visitor and "Pat Passing" not in as_visitor
    assert "Quokka" not in client.get(suggest, {"q": "quokka"}).content.decode()

    client.force_login(member)
    assert "Pat Passing" in client.get(suggest, {"q": "pat pas"}).content.decode()
    assert "Frailty network" in client.get(suggest, {"q": "frail"}).content.decode()
    assert "Quokka room" not in client.get(suggest, {"q": "quokka"}).content.decode()
    assert "<li" not in client.get(suggest, {"q": "f"}).content.decode()


def test_a_hidden_post_no_longer_finds_its_thread(client, coordinator, member):
    place = community("Falls")
    thread = discussion(place, coordinator, "Ward huddles", "We tried a wombat checklist.")
    client.force_login(member)
    assert "Ward huddles" in found(client, "wombat")

    post_moderate(post=Post.objects.get(thread=thread), moderator=coordinator, state="hidden")

    assert "Ward huddles" not in found(client, "wombat")


def test_all_matching_discussions_page_by_page(client, coordinator, member):
    place = community("Falls")
    for number in range(23):
        discussion(place, coordinator, f"Huddle {number}", "Huddles at handover.")
    client.force_login(member)

    first = found(client, "huddles", **{"in": "threads"})
    second = found(client, "huddles", **{"in": "threads", "page": 2})

    assert first.count('class="ds_search-result"') == 20
    assert second.count('class="ds_search-result"') == 3


@pytest.mark.parametrize("count", [1, 8])
def test_the_search_page_takes_the_same_queries_whatever_it_finds(
    client, member, coordinator, count, django_assert_num_queries
):
    place = community("Falls")
    for number in range(count):
        ProfileFactory(job_title=f"Falls lead {number}", expertise=[TopicFactory()])
        make_resource(f"Falls guide {number}", slug=f"falls-{number}")
        make_event(coordinator, title=f"Falls event {number}")
        discussion(place, coordinator, f"Falls thread {number}", "Falls at night.")
    client.force_login(member)

    # Session, member, unread count, the member's roles (who may see drafts); people with their
    # expertise; resources, communities, events, projects, discussions.
    with django_assert_num_queries(10):
        found(client, "falls")


def _plans(action) -> str:
    """Every query `action` runs, explained as the planner would run it on a large network."""
    with CaptureQueriesContext(connection) as queries:
        action()
    plans = []
    with connection.cursor() as cursor:
        # Fresh GIN entries wait in a pending list that the planner prices as a full read;
        # autovacuum merges them on a live network.
        for index in GIN_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        # Fresh statistics of every table: left from earlier tests they can describe another
        # network entirely (one verified address, say), and the planner judges by them.
        cursor.execute("ANALYZE")
        # A test's few rows are cheapest read whole or through any b-tree; forbidding both
        # leaves the bitmap scans a GIN index offers, so a plan that still reads the table
        # whole would show the search cannot use its index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for query in queries.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return "\n".join(plans)


GIN_INDEXES = [
    "profile_search_gin",
    "member_name_trigram",
    "resource_search_gin",
    "community_search_gin",
    "event_search_gin",
    "thread_search_gin",
    "search_word_typos",
    "community_name_trigram",
    "member_name_typos",
    "community_name_typos",
]


def _explain(queryset) -> str:
    return _plans(lambda: list(queryset))


def test_the_search_uses_the_stored_vectors_and_trigram_indexes(member, network):
    # Every group matches words against a stored vector, never text turned into one on the fly.
    with CaptureQueriesContext(connection) as queries:
        search.search(member, "frailty")
    searched = "\n".join(query["sql"] for query in queries.captured_queries)
    assert searched.count('"search_vector" @@') >= 5 and "to_tsvector" not in searched

    # …and each of those vectors' GIN index answers the match. (Which index the planner picks
    # for a whole page of a test's few rows differs between PostgreSQL versions.)
    words = SearchQuery("frailty", search_type="websearch", config="english")
    for model, index in [
        (Profile, "profile_search_gin"),
        (Resource, "resource_search_gin"),
        (Community, "community_search_gin"),
        (Event, "event_search_gin"),
        (Thread, "thread_search_gin"),
    ]:
        assert index in _explain(model.objects.filter(search_vector=words).only("pk"))
    typed = User.objects.annotate(lowered=Lower("name")).filter(
        lowered__trigram_word_similar="fiona"
    )
    assert "member_name_trigram" in _explain(typed.only("pk"))
    assert "search_word_typos" in _plans(lambda: search.corrected(member, "frailtey"))
    # People's suggestions filter names as `typed` above does; with a test's handful of members
    # the planner rightly starts from their few verified addresses instead, so only the
    # communities' half is checked here.
    suggesting = _plans(lambda: search.suggestions(member, "frail"))
    assert "community_name_trigram" in suggesting, suggesting


def test_stored_text_is_escaped_in_the_highlighted_snippet(client, member):
    make_resource(
        "Frailty audit",
        summary="<script>alert('x')</script> Our frailty <img src=x onerror=alert(1)> & audit.",
    )
    client.force_login(member)

    page = found(client, "frailty")

    assert "<mark>frailty</mark>" in page.lower()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&amp; audit" in page


def test_visitors_are_not_offered_a_correction_to_a_members_only_word(client, member):
    make_resource("Wombat toolkit", audience=Resource.Audience.MEMBERS)
    search.words_refresh()

    assert "Showing results for" not in found(client, "wombatt")
    client.force_login(member)
    assert "Showing results for <strong>wombat</strong>" in found(client, "wombatt")


def test_an_edited_event_is_found_by_its_new_words(client, coordinator, member):
    event = make_event(coordinator, title="Run charts in an hour")
    event.title = "Wombat counting masterclass"
    event.save()
    event_update(event=event, changed=["title"], editor=coordinator)
    client.force_login(member)

    assert "Wombat counting masterclass" in found(client, "wombat")
    listed = client.get(reverse("events:list"), {"q": "wombats"}).content.decode()
    assert "Wombat counting masterclass" in listed  # the events list searches the same words


def test_closing_an_account_stops_its_name_finding_discussions(client, coordinator, member):
    named = ProfileFactory(member__name="Wilma Quokkason", slug="wilma-quokkason")
    place = community("Falls")
    discussion(place, coordinator, "Night checks", f"Ask @{named.slug} about night checks.")
    client.force_login(member)
    assert "Night checks" in found(client, "quokkason")

    member_erase(named.member)

    assert "Night checks" not in found(client, "quokkason")


def test_a_flood_of_posts_cannot_make_a_thread_unwritable(coordinator, member):
    place = community("Falls")
    thread = discussion(place, coordinator, "Busy thread", "First post.")
    words = " ".join(f"w{number}x" for number in range(60_000))  # far past a vector's 1 MB
    Post.objects.bulk_create(
        Post(thread=thread, author=coordinator, body=words[start : start + 10_000], body_html="")
        for start in range(0, len(words), 10_000)
    )
    Membership.objects.create(community=place, member=member)

    reply_create(thread=thread, author=member, body="Still possible to reply.")

    assert len(words) > THREAD_TEXT_LIMIT


def test_suggestions_say_how_many_there_are(client, member):
    ProfileFactory(member__name="Morven Reid")
    client.force_login(member)

    fragment = client.get(reverse("search_suggest"), {"q": "morven"}).content.decode()

    assert "1 suggestion below the search box" in fragment
    nothing = client.get(reverse("search_suggest"), {"q": "zzzzzz"}).content.decode()
    assert "<li>" not in nothing and "suggestion" not in nothing


def test_an_event_of_a_secret_community_is_for_its_members_only(client, coordinator, member):
    secret = community("Quiet room", Community.Privacy.SECRET, members=[coordinator])
    event = make_event(coordinator, title="Quiet meeting", community=secret)

    client.force_login(member)
    assert client.get(event.get_absolute_url()).status_code == 404
    assert "Quiet meeting" not in client.get(reverse("events:list")).content.decode()
    client.force_login(coordinator)
    assert client.get(event.get_absolute_url()).status_code == 200
