"""What helped a project: the team names it, the project page shows it, and each thing that
helped shows the project; nothing hidden is ever named to someone who may not see it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Community, Membership
from communities.services import community_index
from events.models import Registration
from mentoring.models import Match, MentoringRequest
from projects.helped import helped_seen
from projects.models import Project
from resources.models import Rating, Resource, Use
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.projects.conftest import make_project
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


def make_community(name, privacy=Community.Privacy.OPEN, members=()):
    community = Community.objects.create(
        name=name,
        slug=name.lower().replace(" ", "-"),
        purpose=f"{name}: people who improve care together.",
        privacy=privacy,
    )
    community_index(community)
    for person in members:
        Membership.objects.create(community=community, member=person)
    return community


def make_match(mentor, mentee, goals="Run a falls huddle on every shift."):
    request = MentoringRequest.objects.create(
        mentee=mentee, goals=goals, status=MentoringRequest.Status.MATCHED
    )
    return Match.objects.create(request=request, mentor=mentor, mentee=mentee, goals=goals)


def helped_url(project) -> str:
    return reverse("projects:helped", args=[project.slug])


def text_of(client, address) -> str:
    response = client.get(address)
    assert response.status_code == 200, address
    return response.content.decode()


@pytest.fixture
def hidden(lead, teammate, coordinator):
    """Things the teammate may see (their own) and things the lead may not: a secret community
    the teammate belongs to, its event, and the teammate's mentoring relationship."""
    mentor = ProfileFactory(member__name="Mhairi Mentor").member
    secret = make_community("Quiet circle", Community.Privacy.SECRET, members=[teammate])
    return {
        "secret": secret,
        "secret_event": make_event(coordinator, title="Quiet retreat", community=secret),
        "match": make_match(mentor, teammate),
        "mentor": mentor,
    }


# --- naming what helped --------------------------------------------------------------------


def test_a_team_member_names_what_helped_from_their_own_and_each_shows_the_project(
    client, lead, coordinator, members_project
):
    mentor = ProfileFactory(member__name="Mhairi Mentor").member
    network = make_community("Falls network", members=[lead])
    masterclass = make_event(coordinator, title="Falls masterclass")
    Registration.objects.create(event=masterclass, member=lead, status="confirmed")
    toolkit = make_resource("Falls toolkit")
    Rating.objects.create(resource=toolkit, member=lead, stars=5)
    match = make_match(mentor, lead)
    make_event(coordinator, title="Unrelated webinar")
    client.force_login(lead)

    page = text_of(client, helped_url(members_project))
    for offered in ["Falls network", "Falls masterclass", "Falls toolkit", "Mhairi Mentor"]:
        assert offered in page
    # Light: not every event of the network, only the member's own and what they search for.
    assert "Unrelated webinar" not in page

    answer = client.post(
        helped_url(members_project),
        {
            "communities": [network.pk],
            "events": [masterclass.pk],
            "resources": [toolkit.pk],
            "matches": [match.pk],
            "action": "save",
        },
    )

    assert answer.status_code == 302
    assert answer.headers["Location"] == members_project.get_absolute_url()
    project = Project.objects.get(pk=members_project.pk)
    assert list(project.communities.all()) == [network]
    assert list(project.events.all()) == [masterclass]
    assert list(project.resources.all()) == [toolkit]
    assert list(project.matches.all()) == [match]
    shown = text_of(client, project.get_absolute_url())
    assert "What helped" in shown
    for named in ["Falls network", "Falls masterclass", "Falls toolkit", "Mentoring: Mhairi"]:
        assert named in shown
    for address in [
        network.get_absolute_url(),
        masterclass.get_absolute_url(),
        toolkit.get_absolute_url(),
        match.get_absolute_url(),
    ]:
        thing_page = text_of(client, address)
        assert "Projects this helped" in thing_page
        assert members_project.title in thing_page


def test_the_search_box_offers_more_and_keeps_what_was_ticked(
    client, lead, coordinator, members_project
):
    mine = make_community("Falls network", members=[lead])
    webinar = make_event(coordinator, title="Deterioration webinar")
    guide = make_resource("Deterioration guide")
    client.force_login(lead)

    answer = client.post(
        helped_url(members_project),
        {"communities": [mine.pk], "q": "deterioration", "action": "find"},
    )

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Deterioration webinar" in page and "Deterioration guide" in page
    assert f'value="{mine.pk}" id="id_communities_0" checked' in page
    assert "Found 2" in page
    assert not members_project.communities.exists(), "finding saves nothing"

    client.post(
        helped_url(members_project),
        {"communities": [mine.pk], "events": [webinar.pk], "resources": [guide.pk]},
    )
    assert list(members_project.events.all()) == [webinar]
    assert list(members_project.resources.all()) == [guide]


def test_the_page_offers_only_what_the_member_may_see_and_refuses_the_rest(
    client, lead, members_project, hidden
):
    draft = make_resource("Unpublished guide", status=Resource.Status.DRAFT)
    client.force_login(lead)

    found = client.post(helped_url(members_project), {"q": "quiet retreat", "action": "find"})
    page = found.content.decode()
    assert "Quiet retreat" not in page and "Quiet circle" not in page
    assert "Mhairi Mentor" not in page  # someone else's mentoring

    for kind, thing in [
        ("communities", hidden["secret"]),
        ("events", hidden["secret_event"]),
        ("matches", hidden["match"]),
        ("resources", draft),
    ]:
        refused = client.post(helped_url(members_project), {kind: [thing.pk]})
        assert refused.status_code == 400
        assert "Choose from the list" in refused.content.decode()
        assert not getattr(members_project, kind).exists()
    nonsense = client.post(helped_url(members_project), {"events": ["x", "99999999"]})
    assert nonsense.status_code == 400


def test_links_to_what_the_member_may_not_see_are_kept_untouched(
    client, lead, teammate, members_project, hidden
):
    open_place = make_community("Falls network", members=[lead, teammate])
    client.force_login(teammate)
    client.post(
        helped_url(members_project),
        {
            "communities": [hidden["secret"].pk, open_place.pk],
            "events": [hidden["secret_event"].pk],
            "matches": [hidden["match"].pk],
        },
    )
    assert members_project.communities.count() == 2

    # The lead cannot see the teammate's secret community, its event or their mentoring: their
    # page does not name them, and saving it (unticking the open community) keeps them.
    client.force_login(lead)
    page = text_of(client, helped_url(members_project))
    assert "Quiet" not in page and "Mhairi" not in page
    client.post(helped_url(members_project), {"action": "save"})

    assert list(members_project.communities.all()) == [hidden["secret"]]
    assert list(members_project.events.all()) == [hidden["secret_event"]]
    assert list(members_project.matches.all()) == [hidden["match"]]


@pytest.mark.parametrize(
    ("who", "page", "saving"),
    [
        ("lead", 200, "saved"),
        ("teammate", 200, "saved"),
        ("sponsor", 403, 403),  # sponsors follow a project; they do not change it
        ("bystander", 403, 403),
        ("visitor", "sign in", "sign in"),
    ],
)
def test_only_the_team_names_what_helped(
    client, members_project, request, who, page, saving, coordinator
):
    event = make_event(coordinator, title="Falls masterclass")
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))

    def answer(response):
        if response.status_code == 302:
            signing_in = response.headers["Location"].startswith("/accounts/login/")
            return "sign in" if signing_in else "saved"
        return response.status_code

    assert answer(client.get(helped_url(members_project))) == page
    assert answer(client.post(helped_url(members_project), {"q": "falls", "events": []})) == (
        saving
    )
    assert answer(client.post(helped_url(members_project), {"events": [event.pk]})) == saving
    assert members_project.events.exists() == (saving == "saved")


def test_a_team_only_project_is_not_found_by_others(client, bystander, team_project):
    client.force_login(bystander)
    assert client.get(helped_url(team_project)).status_code == 404
    assert client.post(helped_url(team_project), {}).status_code == 404


# --- what each viewer sees ---------------------------------------------------------------


def test_the_project_page_names_only_what_the_viewer_may_see(
    client, lead, teammate, bystander, admin_member, members_project, hidden
):
    members_guide = make_resource("Members falls guide", audience=Resource.Audience.MEMBERS)
    draft = make_resource("Unpublished guide", status=Resource.Status.DRAFT, contributor=teammate)
    members_project.communities.add(hidden["secret"])
    members_project.events.add(hidden["secret_event"])
    members_project.matches.add(hidden["match"])
    members_project.resources.add(members_guide, draft)

    def named(person) -> set[str]:
        client.force_login(person)
        page = text_of(client, members_project.get_absolute_url())
        words = ["Quiet circle", "Quiet retreat", "Mhairi Mentor", "Members falls guide"]
        return {word for word in [*words, "Unpublished guide"] if word in page}

    assert named(bystander) == {"Members falls guide"}
    assert named(lead) == {"Members falls guide"}
    # The teammate belongs to the secret community, is in the mentoring and wrote the draft.
    assert named(teammate) == {
        "Quiet circle",
        "Quiet retreat",
        "Mhairi Mentor",
        "Members falls guide",
        "Unpublished guide",
    }
    # Admins see every community, event and resource; never someone's mentoring.
    assert "Mhairi Mentor" not in named(admin_member)


def test_a_visitor_sees_no_list_of_what_helped_a_public_project(
    client, public_project, hidden, coordinator
):
    open_place = make_community("Falls network")
    public_project.communities.add(open_place, hidden["secret"])
    public_project.events.add(make_event(coordinator, title="Falls masterclass"))

    page = text_of(client, public_project.get_absolute_url())

    assert "What helped" not in page and "Falls masterclass" not in page
    assert "Quiet" not in page
    assert helped_seen(project=public_project, viewer=AnonymousUser()).communities == [open_place]


def test_a_thing_names_only_the_projects_the_viewer_may_see(
    client, lead, bystander, members_project, team_project, public_project
):
    network = make_community("Falls network")
    for project in (members_project, team_project, public_project):
        project.communities.add(network)

    def named(person) -> set[str]:
        client.logout()
        if person is not None:
            client.force_login(person)
        page = text_of(client, network.get_absolute_url())
        titles = [members_project.title, team_project.title, public_project.title]
        return {title for title in titles if title in page}

    assert named(None) == {public_project.title}
    assert named(bystander) == {members_project.title, public_project.title}
    assert named(lead) == {members_project.title, team_project.title, public_project.title}


def test_a_thing_that_helped_nothing_shows_no_panel(client, bystander):
    client.force_login(bystander)
    page = text_of(client, make_community("Falls network").get_absolute_url())
    assert "Projects this helped" not in page


# --- queries -----------------------------------------------------------------------------


def _queries(client, address) -> int:
    assert client.get(address).status_code == 200  # caches fill, as on a live site
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_each_page_takes_the_same_queries_however_many_projects_and_things(
    client, lead, coordinator, organisation
):
    mentor = ProfileFactory(member__name="Mhairi Mentor").member
    network = make_community("Falls network", members=[lead])
    event = make_event(coordinator, title="Falls masterclass")
    resource = make_resource("Falls toolkit")
    match = make_match(mentor, lead)
    first = make_project(lead, title="Project 0", organisations=[organisation])
    client.force_login(lead)
    things = [network, event, resource, match]
    pages = [
        first.get_absolute_url(),
        helped_url(first),
        *[thing.get_absolute_url() for thing in things],
    ]

    def grow(count):
        for number in range(count):
            project = make_project(lead, title=f"Project {number} of {count}")
            for kind, thing in zip(
                ["communities", "events", "resources", "matches"], things, strict=True
            ):
                getattr(project, kind).add(thing)
            other = make_community(f"Network {number} of {count}", members=[lead])
            more_event = make_event(coordinator, title=f"Event {number} of {count}")
            Registration.objects.create(event=more_event, member=lead, status="confirmed")
            more_resource = make_resource(f"Resource {number} of {count}")
            Use.objects.create(resource=more_resource, member=lead)
            first.communities.add(other)
            first.events.add(more_event)
            first.resources.add(more_resource)
            first.matches.add(make_match(ProfileFactory().member, lead))

    grow(1)
    few = [_queries(client, address) for address in pages]
    grow(12)
    many = [_queries(client, address) for address in pages]

    assert few == many
    assert "It helped 13 projects you can see" in text_of(client, network.get_absolute_url())


def test_unticking_unlinks_from_that_project_alone(client, lead, members_project):
    network = make_community("Falls network", members=[lead])
    other = make_project(lead, title="Another project")
    other.communities.add(network)
    client.force_login(lead)

    client.post(helped_url(members_project), {"communities": [network.pk]})
    assert list(members_project.communities.all()) == [network]
    client.post(helped_url(members_project), {})

    assert not members_project.communities.exists()
    assert list(other.communities.all()) == [network]
