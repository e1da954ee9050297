"""Walks the table of docs/security.md ("Path by path"): each path, as each of seven people, shows
exactly the hidden things the table names.

One hidden thing of each kind is planted, each carrying a made-up word of its own; the output of
a path (page, file, fragment or e-mail) is searched for those words. A refused answer (404, 403,
a redirect to sign in) shows nothing. The table is the documentation: a row without a walk here,
or a walk without a row, fails too.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from bulletins import services as bulletins
from communities.models import Community, Membership, Post
from communities.services import DIGEST_EMAIL, community_index, digest_collect, thread_start
from events.models import Registration, Series
from events.services import feed_for, questions_default
from insights.models import Story
from insights.services import network_bridging_refresh
from members.models import Profile
from members.services import feed_key_for
from mentoring.models import Match, Meeting, MentoringRequest
from projects.models import ChangeIdea, Cycle, Driver, Measure
from resources.indexing import resources_index
from resources.models import Resource
from search import services as search
from tests.bulletins.conftest import add_section, make_bulletin, send_all, subscribe
from tests.events.conftest import make_event
from tests.factories import ProfileFactory
from tests.mail import send_queued
from tests.projects.conftest import make_project
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db

MARKERS = {
    "S": "quartzwillow",
    "C": "amberfjord",
    "D": "tinselmoor",
    "R": "cobaltmarsh",
    "X": "velvetcress",
    "M": "mossbrook",
    "P": "glimmerquokka",
    "U": "larchwhistle",
    "N": "hollowberry",
    "T": "brackenloom",
    "G": "thistlequay",
    "B": "ospreyvault",
    "A": "saltmarram",
}
# A slip of each word, for the spelling corrections.
SLIPS = {letter: word[:4] + word[5:] for letter, word in MARKERS.items()}
VIEWERS = ["visitor", "member", "insider", "coordinator", "curator", "admin", "owner"]
TABLE = Path(settings.BASE_DIR) / "docs" / "security.md"


def documented_table() -> dict[str, dict[str, set[str]]]:
    """The rows of the table in docs/security.md: path -> viewer -> the letters it shows."""
    text = TABLE.read_text()
    rows = text[text.index("<!-- visibility table") :].splitlines()[3:]
    table = {}
    for row in rows:
        if not row.startswith("|"):
            break
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        path, _guard, *seen = cells
        assert len(seen) == len(VIEWERS), row
        table[path] = {
            viewer: set() if cell == "–" else set(cell.split())
            for viewer, cell in zip(VIEWERS, seen, strict=True)
        }
    return table


def shown(text: str) -> set[str]:
    lowered = text.lower()
    return {letter for letter, word in MARKERS.items() if word in lowered}


# --- the network, with one hidden thing of each kind -------------------------------------------


@pytest.fixture
def world(coordinator, curator, admin_member, member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    insider = ProfileFactory(member__name="Isla Insider", slug="isla-insider").member
    owner = ProfileFactory(member__name="Owen Owner", slug="owen-owner").member
    for person in (member, coordinator, curator, admin_member):
        ProfileFactory(member=person)
    people = {
        "member": member,
        "insider": insider,
        "coordinator": coordinator,
        "curator": curator,
        "admin": admin_member,
        "owner": owner,
    }
    long_ago = timezone.now() - timedelta(days=2)

    # S: a secret community, with its event and its discussion.
    secret = Community.objects.create(
        name="Quartzwillow Circle",
        slug="quartzwillow-circle",
        purpose="Quartzwillow peer support.",
        privacy=Community.Privacy.SECRET,
    )
    # C and D: a closed community, known to members, its discussion for its own members.
    closed = Community.objects.create(
        name="Amberfjord Forum",
        slug="amberfjord-forum",
        purpose="Ward managers talk.",
        privacy=Community.Privacy.CLOSED,
    )
    colleague = ProfileFactory(member__name="Cal Colleague").member
    for place in (secret, closed):
        community_index(place)
        Membership.objects.create(
            community=place, member=insider, role="moderator", digest_sent_until=long_ago
        )
        Membership.objects.create(community=place, member=colleague)
    secret_thread = thread_start(
        community=secret, author=colleague, title="Quartzwillow plans", body="quartzwillow notes"
    )
    closed_thread = thread_start(
        community=closed, author=colleague, title="Tinselmoor question", body="About tinselmoor."
    )
    Post.objects.update(created_at=long_ago + timedelta(hours=1))
    secret_event = make_event(insider, title="Quartzwillow retreat", community=secret)
    closed_event = make_event(coordinator, title="Ward open evening", community=closed)
    Registration.objects.create(event=secret_event, member=insider, status="confirmed")

    # P: a member whose profile is for members only, organising a public event.
    private = ProfileFactory(
        member__name="Saffi Glimmerquokka",
        slug="saffi-glimmerquokka",
        job_title="Glimmerquokka lead",
        bio="Glimmerquokka work.",
        visibility=Profile.Visibility.MEMBERS,
    )
    private_event = make_event(private.member, title="Public masterclass")
    # A series of each: the secret community's, the closed one's, and one P organises.
    series = [
        Series.objects.create(
            title=title,
            slug=slugify(title),
            kind=Series.Kind.WEBINAR,
            summary="Sessions.",
            organiser=organiser,
            community=community,
            visibility=Series.Visibility.PUBLIC,
        )
        for title, organiser, community in (
            ("Quartzwillow series", insider, secret),
            ("Ward series", coordinator, closed),
            ("Public series", private.member, None),
        )
    ]
    for event in (secret_event, closed_event, private_event):
        questions_default(event=event)

    # R, X, M: a curator's draft, a suggestion turned down, a members-only resource.
    draft = make_resource("Cobaltmarsh toolkit", status=Resource.Status.DRAFT, contributor=curator)
    turned_down = make_resource(
        "Velvetcress cards",
        status=Resource.Status.ARCHIVED,
        suggested_at=timezone.now(),
        contributor=owner,
    )
    members_only = make_resource(
        "Mossbrook guide", audience=Resource.Audience.MEMBERS, featured=True
    )
    for resource in (draft, turned_down, members_only):
        resource.file.save("file.pdf", ContentFile(f"%PDF-1.4 {resource.title}".encode()))
    resources_index(Resource.objects.all())

    # U: a story not yet published; N: a note in the owner's mentoring.
    story = Story.objects.create(
        author=owner,
        title="Larchwhistle story",
        change="c",
        place="p",
        result="r",
        features=["common_purpose"],
    )
    mentor = ProfileFactory(member__name="Mo Mentor").member
    match = Match.objects.create(
        request=MentoringRequest.objects.create(mentee=owner, goals="Lead."),
        mentor=mentor,
        mentee=owner,
        goals="Lead.",
    )
    Meeting.objects.create(
        match=match, met_on=timezone.localdate(), notes="Hollowberry note", logged_by=owner
    )

    # T, G, B: a project for its team alone (the owner leads it); one shared with members, and
    # one with a public summary whose background is for members, both led by P. What helped
    # the first and the last is every hidden kind, the owner's mentoring among it.
    aim = "Fewer falls with harm on our wards by a third, by March 2027."
    team_only = make_project(
        owner,
        "Brackenloom pilot",
        visibility="team",
        aim=f"Brackenloom: {aim}",
        summary="Brackenloom background.",
    )
    shared = make_project(private.member, "Thistlequay huddles", aim=aim)
    public = make_project(
        private.member,
        "Open wards project",
        visibility="public",
        aim=aim,
        summary="Ospreyvault: what we learned.",
    )
    for project in (team_only, public):
        project.communities.set([secret, closed])
        project.events.set([secret_event, closed_event] if project == public else [secret_event])
        project.resources.set(
            [draft, turned_down, members_only] if project == public else [members_only]
        )
        project.matches.set([match])
    # A measure and a change idea of each of the first two; the team-only project's idea
    # adopts the shared one's, which must not tell others where it spread.
    parts = {}
    for project in (team_only, shared):
        parts[project.pk] = {
            "measure": Measure.objects.create(
                project=project, title="Falls", definition="Falls with harm per 1,000 bed days."
            ),
            "idea": ChangeIdea.objects.create(
                project=project, title=f"{project.title} huddle", slug=f"{project.slug}-huddle"
            ),
            "driver": Driver.objects.create(project=project, text="Safe handovers"),
        }
        Cycle.objects.create(
            idea=parts[project.pk]["idea"], number=1, question="Will it fit?", prediction="Yes."
        )
    ChangeIdea.objects.filter(pk=parts[team_only.pk]["idea"].pk).update(
        adopted_from=parts[shared.pk]["idea"]
    )

    # A bulletin whose sections were given every kind (as the composing form once allowed).
    bulletin = make_bulletin("eBulletin: winter", author=curator)
    section = add_section(bulletin, "Everything", resources=[draft, turned_down, members_only])
    section.events.set([secret_event, closed_event])
    section.communities.set([secret, closed])
    subscribe(*people.values())
    bulletins.bulletin_send(bulletin=bulletin)
    mail.outbox.clear()
    send_all(bulletin)
    bulletin_mail = {message.to[0]: message for message in mail.outbox}
    unsent = make_bulletin("eBulletin: spring", author=curator)
    # A: a bulletin to the secret community's members, sent after the one to everyone.
    circle_news = make_bulletin("Saltmarram news", author=curator)
    add_section(circle_news, "For the circle", text="Saltmarram plans.")
    circle_news.audience_communities.set([secret])
    bulletins.bulletin_send(bulletin=circle_news)
    send_all(circle_news)

    search.words_refresh()
    network_bridging_refresh()
    mail.outbox.clear()
    return {
        "people": people,
        "secret": secret,
        "closed": closed,
        "threads": [secret_thread, closed_thread],
        "events": [secret_event, closed_event, private_event],
        "series": series,
        "private": private,
        "resources": [draft, turned_down, members_only],
        "story": story,
        "match": match,
        "bulletin": bulletin,
        "bulletin_mail": bulletin_mail,
        "unsent": unsent,
        "circle_news": circle_news,
        "projects": [team_only, shared, public],
        "parts": [part for project_parts in parts.values() for part in project_parts.values()],
    }


# --- the paths: each answers the text a person would see there ----------------------------------

WALKS: dict[str, Callable] = {}
# Paths whose walk is one page at one address.
ONE_PAGE = {
    "`/`": "/",
    "`/communities/`": "/communities/",
    "`/events/`": "/events/",
    "`/resources/`": "/resources/",
    "`/resources/review/`": "/resources/review/",
    "`/members/`": "/members/",
    "`/members/me/`": "/members/me/",
    "`/insights/`": "/insights/",
    "`/insights/stories/review/`": "/insights/stories/review/",
    "`/members/me/export/`": "/members/me/export/",
    "`/projects/`": "/projects/",
    "`/projects/new/`": "/projects/new/",
}


def walk(path: str):
    def register(function):
        WALKS[path] = function
        return function

    return register


def page(client: Client, address: str, **query) -> str:
    response = client.get(address, query)
    if response.status_code != 200:
        return ""
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode()


for row, address in ONE_PAGE.items():
    WALKS[row] = lambda client, world, person, address=address: page(client, address)


def results(html: str) -> str:
    """The results of a search page, without the words asked for, which the page repeats."""
    found = re.findall(r'<li class="ds_search-result">.*?</li>\n', html, flags=re.S)
    corrected = re.findall(r"Showing results for <strong>(.*?)</strong>", html)
    return " ".join(found + corrected)


@walk("`/communities/<slug>/`")
def community_pages(client, world, person):
    return " ".join(
        page(client, place.get_absolute_url()) for place in (world["secret"], world["closed"])
    )


@walk("`/communities/<slug>/threads/<id>/`")
def thread_pages(client, world, person):
    return " ".join(page(client, thread.get_absolute_url()) for thread in world["threads"])


@walk("`/events/<slug>/` (+ `register/`)")
def event_pages(client, world, person):
    return " ".join(
        page(client, address)
        for event in world["events"]
        for address in (event.get_absolute_url(), reverse("events:register", args=[event.slug]))
    )


@walk("`/events/series/<slug>/`")
def series_pages(client, world, person):
    return " ".join(page(client, series.get_absolute_url()) for series in world["series"])


@walk("`/events/<slug>/calendar.ics`")
def event_calendars(client, world, person):
    return " ".join(
        page(client, reverse("events:calendar", args=[event.slug])) for event in world["events"]
    )


@walk("`/events/feed/<token>.ics`")
def personal_feed(client, world, person):
    if person is None:
        return ""
    return page(Client(), f"/events/feed/{feed_for(person).token}.ics")


@walk("`/feeds/events/`, `/feeds/bulletins/`, `/feeds/resources/`")
def public_feeds(client, world, person):
    return " ".join(
        page(client, f"/feeds/{name}/") for name in ("events", "bulletins", "resources")
    )


@walk("`/feeds/communities/<slug>/<key>/`")
def community_feeds(client, world, person):
    if person is None:
        return ""
    key = feed_key_for(person)
    return " ".join(
        page(Client(), f"/feeds/communities/{place.slug}/{key}/")
        for place in (world["secret"], world["closed"])
    )


@walk(
    "`/events/<slug>/edit/`, `cancel-event/`, `attendees/` (+ CSV), `check-in/`, "
    "`questions/` (+ `<id>/`)"
)
def event_staff_pages(client, world, person):
    pages = []
    for event in world["events"]:
        pages.append(page(client, reverse("events:edit", args=[event.slug])))
        pages.append(page(client, reverse("events:questions", args=[event.slug])))
        for question in event.questions.all():
            pages.append(
                page(client, reverse("events:question_edit", args=[event.slug, question.pk]))
            )
            pages.append(
                page(client, reverse("events:question_remove", args=[event.slug, question.pk]))
            )
        pages.append(page(client, reverse("events:cancel_event", args=[event.slug])))
        pages.append(page(client, reverse("events:attendees", args=[event.slug])))
        pages.append(page(client, reverse("events:attendees", args=[event.slug]), format="csv"))
        pages.append(page(client, reverse("events:check_in", args=[event.slug])))
    return " ".join(pages)


@walk("`/events/new/`")
def event_form(client, world, person):
    return page(client, reverse("events:create"))


@walk("`/resources/<slug>/` (+ `file/`)")
def resource_pages(client, world, person):
    pages = []
    for resource in world["resources"]:
        pages.append(page(client, resource.get_absolute_url()))
        pages.append(page(client, reverse("resources:file", args=[resource.slug])))
    return " ".join(pages)


@walk("`/members/<slug>/`")
def profiles(client, world, person):
    insider = world["people"]["insider"].profile
    return " ".join(
        page(client, profile.get_absolute_url()) for profile in (world["private"], insider)
    )


@walk("`/search/?q=`")
def site_search(client, world, person):
    return " ".join(results(page(client, "/search/", q=word)) for word in MARKERS.values())


@walk("`/search/?q=&in=threads`")
def thread_search(client, world, person):
    return " ".join(
        results(page(client, "/search/", q=word, **{"in": "threads"})) for word in MARKERS.values()
    )


@walk("`/search/suggest/?q=`")
def suggestions(client, world, person):
    return " ".join(page(client, "/search/suggest/", q=word) for word in MARKERS.values())


@walk("spelling corrections")
def spelling(client, world, person):
    corrected = []
    for slip in SLIPS.values():
        corrected += re.findall(
            r"Showing results for <strong>(.*?)</strong>", page(client, "/search/", q=slip)
        )
    return " ".join(corrected)


@walk("`/insights/stories/` (+ `<id>/`)")
def stories(client, world, person):
    return page(client, "/insights/stories/") + page(client, world["story"].get_absolute_url())


@walk("`/bulletins/<slug>/`")
def bulletin_archive(client, world, person):
    return page(client, world["bulletin"].get_absolute_url())


@walk("`/bulletins/` (+ `<slug>/` of one sent to chosen members)")
def bulletin_list(client, world, person):
    return page(client, "/bulletins/") + page(client, world["circle_news"].get_absolute_url())


@walk("the eBulletin e-mail")
def bulletin_email(client, world, person):
    message = world["bulletin_mail"].get(person.email) if person else None
    if message is None:
        return ""
    return message.body + message.alternatives[0][0]


@walk("`/bulletins/<slug>/sections/new/`")
def section_form(client, world, person):
    return page(client, reverse("bulletins:section_create", args=[world["unsent"].slug]))


@walk("`/mentoring/matches/<id>/`")
def mentoring(client, world, person):
    return page(client, world["match"].get_absolute_url())


def _project_pages(client, world, name: str) -> str:
    return " ".join(
        page(client, reverse(name, args=[project.slug])) for project in world["projects"]
    )


@walk("`/projects/<slug>/`")
def project_pages(client, world, person):
    return _project_pages(client, world, "projects:detail")


@walk("`/projects/<slug>/team/`")
def project_teams(client, world, person):
    return _project_pages(client, world, "projects:team")


@walk("`/projects/<slug>/edit/`")
def project_forms(client, world, person):
    return _project_pages(client, world, "projects:edit")


@walk("`/projects/<slug>/helped/`")
def project_helped_forms(client, world, person):
    return _project_pages(client, world, "projects:helped")


def _parts(kind: str, world) -> list:
    return [part for part in world["parts"] if part._meta.model_name == kind]


@walk("`/projects/<slug>/measures/<id>/` (+ `?format=csv`, `?format=json`, `?format=svg`)")
def measures(client, world, person):
    addresses = [measure.get_absolute_url() for measure in _parts("measure", world)]
    return " ".join(
        page(client, address, **query)
        for address in addresses
        for query in ({}, {"format": "csv"}, {"format": "json"}, {"format": "svg"})
    )


@walk(
    "`/projects/<slug>/measures/new/`, `<id>/edit/`, `<id>/data/`, `<id>/phases/`, `<id>/delete/`"
)
def measure_forms(client, world, person):
    addresses = [
        reverse(name, args=[measure.project.slug, measure.pk])
        for measure in _parts("measure", world)
        for name in (
            "projects:measure_edit",
            "projects:measure_data",
            "projects:measure_phases",
            "projects:measure_delete",
        )
    ]
    addresses += [
        reverse("projects:measure_create", args=[project.slug]) for project in world["projects"]
    ]
    return " ".join(page(client, address) for address in addresses)


@walk("`/projects/ideas/<slug>/`")
def change_ideas(client, world, person):
    addresses = [idea.get_absolute_url() for idea in _parts("changeidea", world)]
    return " ".join(page(client, address) for address in addresses)


@walk(
    "`/projects/<slug>/ideas/<id>/edit/`, `cycles/new/`, `cycles/<n>/edit/`, `cycles/<n>/remove/`,"
    " `diagram/drivers/<id>/remove/`, `diagram/ideas/<id>/remove/`"
)
def idea_forms(client, world, person):
    pages = []
    for idea in _parts("changeidea", world):
        arguments = [idea.project.slug, idea.pk]
        pages.append(page(client, reverse("projects:idea_edit", args=arguments)))
        pages.append(page(client, reverse("projects:cycle_create", args=arguments)))
        pages.append(page(client, reverse("projects:cycle_edit", args=[*arguments, 1])))
        pages.append(page(client, reverse("projects:cycle_remove", args=[*arguments, 1])))
        pages.append(page(client, reverse("projects:idea_remove", args=arguments)))
    for driver in _parts("driver", world):
        pages.append(
            page(client, reverse("projects:driver_remove", args=[driver.project.slug, driver.pk]))
        )
    return " ".join(pages)


@walk("`/projects/ideas/<slug>/adopt/`")
def adoptions(client, world, person):
    return " ".join(
        page(client, reverse("projects:idea_adopt", args=[idea.slug]))
        for idea in _parts("changeidea", world)
    )


@walk("`/projects/<slug>/diagram/`")
def diagrams(client, world, person):
    return _project_pages(client, world, "projects:diagram")


@walk("community e-mails (digests)")
def digests(client, world, person):
    if person is None:
        return ""
    mail.outbox.clear()
    for membership in Membership.objects.filter(member=person):
        digest_collect(membership_id=membership.pk)
    send_queued(kind=DIGEST_EMAIL)
    return " ".join(message.body for message in mail.outbox)


# --- the walk -------------------------------------------------------------------------------------


def test_every_path_of_the_table_is_walked_and_every_walk_is_in_the_table():
    assert set(documented_table()) == set(WALKS)


def test_each_person_sees_exactly_what_the_table_says_on_every_path(client, world):
    table = documented_table()
    differences = []
    for viewer in VIEWERS:
        person = world["people"].get(viewer)
        client.logout()
        if person is not None:
            client.force_login(person)
        for path, expected in table.items():
            seen = shown(WALKS[path](client, world, person))
            if seen != expected[viewer]:
                differences.append(
                    f"{path} as {viewer}: shows {sorted(seen) or '–'}, "
                    f"the table says {sorted(expected[viewer]) or '–'}"
                )
    assert not differences, "\n".join(differences)
