"""Every main page (the ones `make bench` times) takes the same number of SQL queries whatever
the size of the network, and no more than ten."""

import json
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bulletins.models import Bulletin
from bulletins.snapshot import bulletin_snapshot
from communities.models import Community, Membership
from communities.services import community_index, reply_create, thread_start
from events.models import Registration
from insights.models import Story
from tests.bulletins.conftest import add_section, make_bulletin
from tests.events.conftest import make_event
from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db

MOST = 10


def grow(network: dict, count: int, coordinator) -> None:
    """`count` more of everything the main pages list."""
    start = len(network["profiles"])
    for number in range(start, start + count):
        topic = TopicFactory(name=f"Frailty topic {number}")
        profile = ProfileFactory(
            member__name=f"Fiona Frailty {number}",
            organisation=OrganisationFactory(),
            expertise=[topic],
        )
        network["profiles"].append(profile)
        community = Community.objects.create(
            name=f"Frailty community {number}", slug=f"frailty-{number}", purpose="Frailty."
        )
        community.topics.set([topic])
        community_index(community)
        Membership.objects.create(community=community, member=profile.member)
        Membership.objects.create(community=network["place"], member=profile.member)
        reply_create(thread=network["thread"], author=profile.member, body=f"Reply {number}.")
        event = make_event(coordinator, title=f"Frailty event {number}")
        Registration.objects.create(event=event, member=profile.member, status="confirmed")
        network["events"].append(event)
        resource = make_resource(f"Frailty guide {number}", slug=f"frailty-guide-{number}")
        add_section(network["bulletin"], f"Section {number}", resources=[resource], position=number)
        Story.objects.create(
            author=profile.member,
            title=f"Frailty story {number}",
            change="c",
            place="p",
            result="r",
            features=["common_purpose"],
            status=Story.Status.PUBLISHED,
        )
    Bulletin.objects.filter(pk=network["bulletin"].pk).update(
        frozen=bulletin_snapshot(network["bulletin"]), sent_to_everyone=True
    )


@pytest.fixture
def network(coordinator):
    place = Community.objects.create(name="Busy place", slug="busy", purpose="Talk.")
    Membership.objects.create(community=place, member=coordinator)
    thread = thread_start(community=place, author=coordinator, title="Busy thread", body="Hi")
    bulletin = make_bulletin(status=Bulletin.Status.SENT)
    Bulletin.objects.filter(pk=bulletin.pk).update(sent_at=timezone.now())
    return {"place": place, "thread": thread, "bulletin": bulletin, "profiles": [], "events": []}


PAGES = {
    "home": lambda network: reverse("home"),
    "directory, one region": lambda network: f"{reverse('members:directory')}?region=east",
    "a profile": lambda network: network["profiles"][0].get_absolute_url(),
    "communities": lambda network: reverse("communities:list"),
    "a busy thread": lambda network: f"{network['thread'].get_absolute_url()}?page=last",
    "events": lambda network: reverse("events:list"),
    "an event": lambda network: network["events"][0].get_absolute_url(),
    "resources search": lambda network: f"{reverse('resources:list')}?q=frailty",
    "a bulletin": lambda network: network["bulletin"].get_absolute_url(),
    "insights": lambda network: reverse("insights:dashboard"),
    "search": lambda network: f"{reverse('search')}?q=frailty",
}


@pytest.mark.parametrize("page", PAGES)
def test_a_main_page_takes_the_same_few_queries_at_two_sizes(
    client, member, coordinator, network, page
):
    client.force_login(member)
    counts = []
    for more in (2, 6):
        grow(network, more, coordinator)
        path = PAGES[page](network)
        assert client.get(path).status_code == 200  # caches fill, as on a live site
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1], [query["sql"][:120] for query in queries.captured_queries]
    assert counts[1] <= MOST


def test_the_minimal_view_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("ping"))

    assert response.content == b"pong"


def _load(*arguments: str) -> dict:
    """One run of `make bench`'s load generator, as the benchmark starts it."""
    finished = subprocess.run(
        [sys.executable, "-m", "tooling.bench_load", *arguments],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


# The live server makes this a transactional test; restoring the migrated rows afterwards keeps
# the next transactional test's own restore from meeting rows made meanwhile.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_load_generator_reaches_a_page(live_server):
    """`make bench` drives its pages with this; a short run here keeps it working."""
    measured = _load(f"{live_server.url}/ping/", "", "2", "5", "1")

    assert measured["requests"] > 0 and measured["failures"] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_mixed_traffic_reads_pages_and_posts_replies_without_errors(live_server, client):
    """The mixed run of `make bench`: pages at random and replies through the real form."""

    from communities.models import Post
    from communities.services import thread_start
    from tests.communities.conftest import make_community
    from tests.factories import ProfileFactory

    member = ProfileFactory(member__name="Lou Load").member
    community = make_community(member, "Load group")
    thread = thread_start(community=community, author=member, title="Busy", body="Start")
    client.force_login(member)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    pages = "|".join(f"{live_server.url}{path}" for path in ["/", "/communities/", "/members/"])

    reply_to, one_in_four = thread.get_absolute_url(), "0.25"
    measured = _load(pages, cookie, "4", "5", "4", reply_to, one_in_four)

    assert measured["requests"] > 20 and measured["failures"] == 0
    assert Post.objects.filter(thread=thread, body__contains="this helps our ward").exists()
