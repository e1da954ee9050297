"""Who may open what: every page of the URL map, for every role, in one table.

Each role is a real person in the network: a visitor (not signed in), a member of the closed
community, an outsider (a member who is not in it), its moderator, a coordinator, a curator, an
admin, and a staff member who has not set up a second factor (an admin, coordinator and curator
at once, with no community or project of their own). 200 is the page, 302 the way to sign in,
403 a page they may know exists but not use, 404 a page they may not know exists, "set up" the
way to set up a second factor first.

Until they have a second factor, staff are members like the outsider: every staff page and the
admin send them to set one up, and nothing their roles would show appears anywhere else.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse

from bulletins.models import Bulletin
from communities.models import Community, Membership
from communities.services import community_index, reply_create, thread_start
from events.models import Event, RegistrationQuestion, Series
from insights.models import Story
from members.roles import COORDINATORS as COORDINATORS_GROUP
from members.roles import CURATORS
from members.second_factor import SET_UP_PAGE
from mentoring.models import Cohort, Match, MentoringRequest
from projects.models import ChangeIdea, Cycle, Driver, Measure, TeamMember
from resources.models import Resource
from tests.bulletins.conftest import make_bulletin
from tests.events.conftest import make_event
from tests.factories import MemberFactory, ProfileFactory, give_second_factor
from tests.projects.conftest import add_to_team, make_project
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db

# The column order of every row of the matrix below.
ROLES = [
    "visitor",
    "member",
    "outsider",
    "moderator",
    "coordinator",
    "curator",
    "admin",
    "staff role without second factor",
]


@pytest.fixture
def places(member, outsider, coordinator, admin_member):
    moderator = ProfileFactory(member__name="Mo Derator").member
    curator = MemberFactory(name="Cu Rator", email="cu.rator@example.org")
    curator.groups.add(Group.objects.get_or_create(name=CURATORS)[0])
    give_second_factor(curator)
    unfinished = ProfileFactory(
        member__name="Stan Staff", member__is_staff=True, member__is_superuser=True
    ).member
    unfinished.groups.add(
        Group.objects.get_or_create(name=COORDINATORS_GROUP)[0],
        Group.objects.get_or_create(name=CURATORS)[0],
    )
    ProfileFactory(member=member)
    ProfileFactory(member=outsider)
    closed = Community.objects.create(
        name="Leads", slug="leads", purpose="p", privacy=Community.Privacy.CLOSED
    )
    secret = Community.objects.create(
        name="Quiet", slug="quiet", purpose="p", privacy=Community.Privacy.SECRET
    )
    for place in (closed, secret):
        community_index(place)
        Membership.objects.create(community=place, member=moderator, role="moderator")
    Membership.objects.create(community=closed, member=member)
    thread = thread_start(community=closed, author=member, title="Budgets", body="b")
    thread_post = reply_create(thread=thread, author=member, body="A reply")
    private = ProfileFactory(member__name="Pri Vate", slug="pri-vate")
    event = make_event(coordinator, title="Masterclass", visibility="members")
    question = RegistrationQuestion.objects.create(
        event=event, text="Do you have access or dietary needs?", kind="short_text"
    )
    past = make_event(coordinator, title="Last month", starts_in=-timedelta(days=30))
    series = Series.objects.create(
        title="Masterclass series",
        slug="masterclass-series",
        kind=Series.Kind.MASTERCLASS,
        summary="s",
        organiser=coordinator,
        visibility=Series.Visibility.MEMBERS,
    )
    Event.objects.filter(pk=event.pk).update(series=series)
    draft = make_resource("Draft guide", slug="draft-guide", status=Resource.Status.DRAFT)
    members_only = make_resource(
        "Members toolkit", slug="members-toolkit", audience=Resource.Audience.MEMBERS
    )
    sent = make_bulletin(
        "Sent bulletin", status=Bulletin.Status.SENT, frozen={"sections": []}, sent_to_everyone=True
    )
    unsent = make_bulletin("Draft bulletin")
    request = MentoringRequest.objects.create(mentee=private.member, goals="Grow.")
    mentee = ProfileFactory(member__name="Men Tee").member
    match = Match.objects.create(
        request=MentoringRequest.objects.create(mentee=mentee, goals="Lead."),
        mentor=moderator,
        mentee=mentee,
        goals="Lead.",
    )
    cohort = Cohort.objects.create(name="Spring cohort", created_by=coordinator)
    private.photo.save("private.jpg", ContentFile(b"\xff\xd8\xff photo"))
    members_only.file.save("toolkit.pdf", ContentFile(b"%PDF-1.4 toolkit"))
    story = Story.objects.create(
        author=private.member,
        title="Waiting",
        change="c",
        place="p",
        result="r",
        features=["common_purpose"],
    )
    # Improvement projects: one for members, led by the member of the closed community with the
    # moderator on its team and the curator as its sponsor; one for its team alone, led by the
    # moderator; one with a public summary, led by the coordinator.
    huddles = make_project(member, title="Ward huddles", visibility="members", slug="ward-huddles")
    add_to_team(huddles, moderator)
    sponsor_place = add_to_team(huddles, curator, TeamMember.Role.SPONSOR)
    pilot = make_project(moderator, title="Quiet pilot", visibility="team", slug="quiet-pilot")
    pilot_place = add_to_team(pilot, ProfileFactory(member__name="Tam Team").member)
    make_project(coordinator, title="Open wards", visibility="public", slug="open-wards")
    parts, numbers = {}, {}
    for name, project in (("HUDDLES", huddles), ("PILOT", pilot)):
        parts[f"{name}_MEASURE"] = Measure.objects.create(
            project=project, title="Falls", definition="Falls per 1,000 occupied bed days."
        )
        driver = Driver.objects.create(project=project, text="Safe handovers")
        idea = ChangeIdea.objects.create(
            project=project, driver=driver, title="Huddle", slug=f"{project.slug}-huddle"
        )
        parts[f"{name}_IDEA"] = idea
        Cycle.objects.create(idea=idea, number=1, question="Will it fit?", prediction="Yes.")
        numbers[f"<{name.lower()}-idea>"] = idea.pk
        numbers[f"<{name.lower()}-driver>"] = driver.pk
    numbers["<event-question>"] = question.pk
    return {
        "people": {"moderator": moderator, "curator": curator, "unfinished": unfinished},
        "projects": {
            "huddles": huddles,
            "pilot": pilot,
            "sponsor_place": sponsor_place,
            "pilot_place": pilot_place,
        },
        "parts": parts,
        "numbers": numbers,
        "thread": f"/communities/leads/threads/{thread.pk}/",
        "thread_post": thread_post,
        "private": private,
        "event": event,
        "past": past,
        "series": series,
        "draft": draft,
        "members_only": members_only,
        "sent": sent,
        "unsent": unsent,
        "request": request,
        "match": match,
        "cohort": cohort,
        "story": story,
    }


PAGE, SIGN_IN, FORBIDDEN, HIDDEN = 200, 302, 403, 404
# Sent to set up a second factor first, with the reason (members.second_factor).
SET_UP = "set up"
EVERYONE = [PAGE] * 8
MEMBERS = [SIGN_IN] + [PAGE] * 7
MODERATORS = [SIGN_IN, FORBIDDEN, FORBIDDEN, PAGE, FORBIDDEN, FORBIDDEN, PAGE, FORBIDDEN]
COORDINATORS = [SIGN_IN, FORBIDDEN, FORBIDDEN, FORBIDDEN, PAGE, FORBIDDEN, PAGE, SET_UP]
LEAVING = [SIGN_IN, PAGE, SIGN_IN, PAGE, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN]
CURATORS_ONLY = [SIGN_IN] + [FORBIDDEN] * 4 + [PAGE, PAGE, SET_UP]

MATRIX = {
    "/": EVERYONE,
    "/members/": MEMBERS,
    "/members/me/": MEMBERS,
    "/members/me/edit/": MEMBERS,
    "/members/me/notifications/": MEMBERS,
    "/members/me/preferences/": MEMBERS,
    "/members/me/export/": MEMBERS,
    "/members/me/delete/": MEMBERS,
    # Where organisation sign-in starts: anyone may read it (a member connects from it too).
    "/accounts/organisation/": EVERYONE,
    "/members/pri-vate/": [HIDDEN] + [PAGE] * 7,  # a members-only profile
    "/members/pri-vate/photo/": [HIDDEN] + [PAGE] * 7,
    "/communities/": EVERYONE,
    "/communities/new/": COORDINATORS,
    "/communities/leads/": [HIDDEN] + [PAGE] * 7,  # closed: known to members
    "/communities/quiet/": [HIDDEN, HIDDEN, HIDDEN, PAGE, HIDDEN, HIDDEN, PAGE, HIDDEN],  # secret
    "/communities/leads/edit/": MODERATORS,
    "/communities/leads/requests/": MODERATORS,
    "/communities/leads/members/": [SIGN_IN, PAGE, HIDDEN, PAGE, HIDDEN, HIDDEN, PAGE, HIDDEN],
    "/communities/leads/invite/": MODERATORS,
    "/communities/leads/reports/": MODERATORS,
    # An admin may read every community, but writes only in those they joined.
    "/communities/leads/threads/new/": (
        [SIGN_IN, PAGE, HIDDEN, PAGE, HIDDEN, HIDDEN, SIGN_IN, HIDDEN]
    ),
    "THREAD": [HIDDEN, PAGE, HIDDEN, PAGE, HIDDEN, HIDDEN, PAGE, HIDDEN],
    # Removing a post asks first, on a page for the community's moderators alone.
    "POSTremove/": [SIGN_IN, FORBIDDEN, HIDDEN, PAGE, HIDDEN, HIDDEN, PAGE, HIDDEN],
    # Leaving asks its members first; anyone else is sent back to the community (302).
    "/communities/leads/leave/": LEAVING,
    "/events/": EVERYONE,
    # Moderators create events for the communities they moderate (their secret ones included).
    "/events/new/": [SIGN_IN, FORBIDDEN, FORBIDDEN, PAGE, PAGE, FORBIDDEN, PAGE, SET_UP],
    "/events/my-calendar/": MEMBERS,
    "EVENT": [HIDDEN] + [PAGE] * 7,  # a members-only event
    "EVENTedit/": COORDINATORS,
    # Cancelling asks why on a page of its own, for those who may edit the event.
    "EVENTcancel-event/": COORDINATORS,
    "EVENTattendees/": COORDINATORS,
    "EVENTattendees/?format=csv": COORDINATORS,
    # The door check-in: the event's team alone; nobody else learns who is coming.
    "EVENTcheck-in/": [SIGN_IN, HIDDEN, HIDDEN, HIDDEN, PAGE, HIDDEN, PAGE, SET_UP],
    # The questions members answer when they register: those who run the event, like its
    # attendees (the answers are theirs).
    "EVENTquestions/": COORDINATORS,
    "EVENTquestions/<event-question>/": COORDINATORS,
    "EVENTquestions/<event-question>/remove/": COORDINATORS,
    # Registering shows the event's questions again when an answer is missing; changing one's
    # answers needs a place (nobody here has one).
    "EVENTregister/": MEMBERS,
    "EVENTanswers/": [SIGN_IN] + [HIDDEN] * 7,
    "EVENTcalendar.ics": [HIDDEN] + [PAGE] * 7,
    "PASTfeedback/": [SIGN_IN] + [HIDDEN] * 7,  # nobody here attended it
    # Whoever may create events creates a series; its organiser (and admins) edit it.
    "/events/series/new/": [SIGN_IN, FORBIDDEN, FORBIDDEN, PAGE, PAGE, FORBIDDEN, PAGE, SET_UP],
    "SERIES": [HIDDEN] + [PAGE] * 7,  # a members-only series
    "SERIESedit/": COORDINATORS,
    "PASTcertificate/": [SIGN_IN] + [HIDDEN] * 7,
    "/mentoring/": MEMBERS,
    "/mentoring/offer/": MEMBERS,
    "/mentoring/mentors/": MEMBERS,
    "/mentoring/request/": MEMBERS,
    "REQUEST": [SIGN_IN] + [HIDDEN] * 7,  # someone else's mentoring, whatever one's role
    # Its mentor is the moderator persona: the pair alone reads its notes, admins included.
    "MATCH": [SIGN_IN, HIDDEN, HIDDEN, PAGE, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
    # Closing it asks first, on a page of its own.
    "MATCHclose/": [SIGN_IN, HIDDEN, HIDDEN, PAGE, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
    "COHORT": COORDINATORS,
    "/mentoring/cohorts/": COORDINATORS,
    "/resources/": EVERYONE,
    "/resources/new/": MEMBERS,
    "/resources/review/": [SIGN_IN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, PAGE, PAGE, SET_UP],
    "/resources/draft-guide/": [HIDDEN] * 5 + [PAGE, PAGE, HIDDEN],
    "/resources/members-toolkit/": [HIDDEN] + [PAGE] * 7,
    "/resources/members-toolkit/file/": [HIDDEN] + [PAGE] * 7,
    "/resources/draft-guide/file/": [HIDDEN] * 8,  # no file: nothing to find for anyone
    "/resources/draft-guide/edit/": [SIGN_IN] + [HIDDEN] * 4 + [PAGE, PAGE, SET_UP],
    "/bulletins/": EVERYONE,
    "/bulletins/new/": CURATORS_ONLY,
    "/bulletins/sent-bulletin/": EVERYONE,
    "/bulletins/draft-bulletin/": [HIDDEN] * 5 + [PAGE, PAGE, HIDDEN],
    "/bulletins/draft-bulletin/edit/": CURATORS_ONLY,
    "/bulletins/draft-bulletin/email/": CURATORS_ONLY,
    # The question before sending: it sends nothing.
    "/bulletins/draft-bulletin/send/confirm/?when=now": CURATORS_ONLY,
    "/bulletins/sent-bulletin/progress/": CURATORS_ONLY,
    "/bulletins/unsubscribe/not-a-real-token/": [HIDDEN] * 8,
    # Feed readers never sign in: the public feeds are a visitor's, whoever asks.
    "/feeds/events/": EVERYONE,
    "/feeds/bulletins/": EVERYONE,
    "/feeds/resources/": EVERYONE,
    "/feeds/communities/leads/1-0-0123456789abcdef0123456789abcdef/": [HIDDEN] * 8,
    # A page that says the invitation is not valid (or no longer): nothing of any community.
    "/communities/invitations/not-a-real-token/": MEMBERS,
    "/insights/": MEMBERS,
    "/insights/stories/": EVERYONE,
    "/insights/stories/new/": MEMBERS,
    "/insights/stories/review/": COORDINATORS,
    "STORY": [HIDDEN] * 4 + [PAGE, HIDDEN, PAGE, HIDDEN],  # waiting for review: coordinators only
    "/insights/assessment/": COORDINATORS,
    "/insights/reach.csv": MEMBERS,
    "/insights/measures/communities-with-purpose.csv": MEMBERS,
    "/search/?q=budgets": EVERYONE,
    "/admin/": [SIGN_IN] * 6 + [PAGE, SET_UP],
    "/projects/": EVERYONE,
    "/projects/new/": MEMBERS,
    # Shared with members: its lead (the member) edits it; its team (the moderator) names what
    # helped; its sponsor (the curator) follows it.
    "/projects/ward-huddles/": [HIDDEN] + [PAGE] * 7,
    "/projects/ward-huddles/team/": MEMBERS,
    "/projects/ward-huddles/edit/": [SIGN_IN, PAGE] + [FORBIDDEN] * 4 + [PAGE, FORBIDDEN],
    "/projects/ward-huddles/helped/": (
        [SIGN_IN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    # For its team alone (the moderator leads it): nobody else knows it exists, but admins.
    "/projects/quiet-pilot/": [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN],
    "/projects/quiet-pilot/team/": (
        [SIGN_IN] + [HIDDEN] * 2 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN]
    ),
    "/projects/quiet-pilot/edit/": (
        [SIGN_IN] + [HIDDEN] * 2 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN]
    ),
    "/projects/quiet-pilot/helped/": (
        [SIGN_IN] + [HIDDEN] * 2 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN]
    ),
    # A public summary for anyone; its team for members.
    "/projects/open-wards/": EVERYONE,
    "/projects/open-wards/team/": MEMBERS,
    # A project's measures: a visitor reads no project's parts, a public one's included; its
    # team changes them (their forms ask a visitor to sign in first).
    "HUDDLES_MEASURE": [HIDDEN] + [PAGE] * 7,
    "HUDDLES_MEASURE?format=csv": [HIDDEN] + [PAGE] * 7,
    "HUDDLES_MEASURE?format=json": [HIDDEN] + [PAGE] * 7,
    "HUDDLES_MEASURE?format=svg": [HIDDEN] + [PAGE] * 7,
    "PILOT_MEASURE": [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN],
    "PILOT_MEASURE?format=csv": [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN],
    "HUDDLES_MEASUREedit/": [SIGN_IN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN],
    "HUDDLES_MEASUREdata/": [SIGN_IN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN],
    "HUDDLES_MEASUREphases/": (
        [SIGN_IN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "HUDDLES_MEASUREdelete/": (
        [SIGN_IN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "PILOT_MEASUREdata/": [SIGN_IN] + [HIDDEN] * 2 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN],
    "/projects/ward-huddles/measures/new/": (
        [SIGN_IN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/quiet-pilot/measures/new/": (
        [SIGN_IN] + [HIDDEN] * 2 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN]
    ),
    "HUDDLES_IDEA": [HIDDEN] + [PAGE] * 7,
    "PILOT_IDEA": [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN],
    # The diagram's editor: its team. A visitor reads no project's parts, so it is not found.
    "/projects/ward-huddles/diagram/": (
        [HIDDEN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/quiet-pilot/diagram/": [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN],
    "/projects/ward-huddles/diagram/drivers/<huddles-driver>/remove/": (
        [HIDDEN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/ward-huddles/diagram/ideas/<huddles-idea>/remove/": (
        [HIDDEN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/ward-huddles/ideas/<huddles-idea>/edit/": (
        [HIDDEN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/ward-huddles/ideas/<huddles-idea>/cycles/new/": (
        [HIDDEN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/ward-huddles/ideas/<huddles-idea>/cycles/1/edit/": (
        [HIDDEN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/ward-huddles/ideas/<huddles-idea>/cycles/1/remove/": (
        [HIDDEN, PAGE, FORBIDDEN, PAGE] + [FORBIDDEN] * 2 + [PAGE, FORBIDDEN]
    ),
    "/projects/quiet-pilot/ideas/<pilot-idea>/edit/": (
        [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN]
    ),
    "/projects/quiet-pilot/ideas/<pilot-idea>/cycles/1/edit/": (
        [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN]
    ),
    # "We are testing this too": for those with a project of their own to add it to (the
    # moderator leads the pilot, the coordinator the public one); the huddles' own lead has none.
    "HUDDLES_IDEAadopt/": [HIDDEN, FORBIDDEN, FORBIDDEN, PAGE, PAGE, FORBIDDEN, PAGE, FORBIDDEN],
    "PILOT_IDEAadopt/": [HIDDEN] * 3 + [PAGE] + [HIDDEN] * 2 + [PAGE, HIDDEN],
}


def _address(path: str, places: dict) -> str:
    where = {
        "THREAD": places["thread"],
        "EVENT": places["event"].get_absolute_url(),
        "PAST": places["past"].get_absolute_url(),
        "SERIES": places["series"].get_absolute_url(),
        "REQUEST": f"/mentoring/requests/{places['request'].pk}/",
        "MATCH": f"/mentoring/matches/{places['match'].pk}/",
        "POST": f"/communities/leads/posts/{places['thread_post'].pk}/",
        "COHORT": f"/mentoring/cohorts/{places['cohort'].pk}/",
        "STORY": f"/insights/stories/{places['story'].pk}/",
    }
    for placeholder, number in places["numbers"].items():
        path = path.replace(placeholder, str(number))
    for name, part in places["parts"].items():
        if path.startswith(name):
            return part.get_absolute_url() + path[len(name) :]
    for name, address in where.items():
        if path.startswith(name):
            return address + path[len(name) :]
    return path


def _as_each_role(client, places, member, outsider, coordinator, admin_member, ask) -> dict:
    """What `ask(client)` answers for each role in ROLES order, signed in as that person."""
    people = [
        None,
        member,
        outsider,
        places["people"]["moderator"],
        coordinator,
        places["people"]["curator"],
        admin_member,
        places["people"]["unfinished"],
    ]
    answers = []
    for person in people:
        client.logout()
        if person is not None:
            client.force_login(person)
        answers.append(ask(client))
    return dict(zip(ROLES, answers, strict=True))


def _answer(response):
    if response.get("Location", "") == reverse(SET_UP_PAGE):
        return SET_UP
    return response.status_code


@pytest.mark.parametrize("path", MATRIX)
def test_every_role_gets_the_answer_the_matrix_declares(
    client, places, member, outsider, coordinator, admin_member, path
):
    answers = _as_each_role(
        client,
        places,
        member,
        outsider,
        coordinator,
        admin_member,
        lambda client: _answer(client.get(_address(path, places))),
    )

    assert answers == dict(zip(ROLES, MATRIX[path], strict=True))


def test_every_csv_the_site_serves_opens_in_excel_and_parses(client, places, admin_member):
    """UTF-8 with a byte-order mark, or Excel garbles "Siobhán" in its own code page; and
    rows that Python's csv reads back whole."""
    client.force_login(admin_member)
    served = []
    for path in MATRIX:
        response = client.get(_address(path, places))
        if response.status_code != 200 or not response["Content-Type"].startswith("text/csv"):
            continue
        served.append(path)
        assert response.content.startswith("\ufeff".encode()), path
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows and all(len(row) == len(rows[0]) for row in rows), path
    assert len(served) == 5, served


def test_a_secret_communitys_thread_is_not_found_by_changing_the_address(client, places, member):
    thread = thread_start(
        community=Community.objects.get(slug="quiet"),
        author=places["people"]["moderator"],
        title="Hidden plans",
        body="h",
    )
    client.force_login(member)

    # Neither through its own community's address nor through one the member can read.
    assert client.get(f"/communities/quiet/threads/{thread.pk}/").status_code == HIDDEN
    assert client.get(f"/communities/leads/threads/{thread.pk}/").status_code == HIDDEN


# --- the buttons: every address that only takes a POST -----------------------------------
# "done" is the action's own answer (back to its page, or its form again, 400 if what was sent
# is wrong); "login" the way to sign in, which every button asks of a visitor first and which
# tells nothing of what is behind it; "set up" the way to set up a second factor. The same people
# in the same order; each acts on what the one before left.
DONE, LOGIN = "done", "login"
POST_MATRIX = {
    # Joining a closed community is a request (its own form); leaving: the only moderator may not.
    "/communities/leads/join/": [LOGIN] + [DONE] * 7,
    "/communities/leads/leave/": [LOGIN] + [DONE] * 7,
    "/communities/leads/members/MEMBER/moderator/": [LOGIN, 403, 403, DONE, 403, 403, DONE, 403],
    "/communities/founders/MEMBER/": [LOGIN, 403, 403, 403, DONE, 403, DONE, SET_UP],
    # Its author may read and reply, not pin; an admin moderates every community.
    "THREADpin/": [LOGIN, 403, 404, DONE, 404, 404, DONE, 404],
    "POSThide/": [LOGIN, 403, 404, DONE, 404, 404, DONE, 404],
    "EVENTregister/": [LOGIN] + [DONE] * 7,
    "SERIESregister/": [LOGIN] + [DONE] * 7,
    "EVENTattendees/add/": [LOGIN, 403, 403, 403, DONE, 403, DONE, SET_UP],
    # Nothing sent: the page again, saying the code is not known.
    "EVENTcheck-in/": [LOGIN, 404, 404, 404, DONE, 404, DONE, SET_UP],
    # Nothing sent: the form again, asking for the question.
    "EVENTquestions/": [LOGIN, 403, 403, 403, DONE, 403, DONE, SET_UP],
    "EVENTanswers/": [LOGIN] + [404] * 7,
    # Nothing sent: the page again, asking why (an event is cancelled only with a message).
    "EVENTcancel-event/": [LOGIN, 403, 403, 403, DONE, 403, DONE, SET_UP],
    "/resources/draft-guide/curate/": [LOGIN, 403, 403, 403, 403, DONE, DONE, SET_UP],
    "/resources/members-toolkit/rate/": [LOGIN] + [DONE] * 7,
    "/bulletins/draft-bulletin/send/": [LOGIN, 403, 403, 403, 403, DONE, DONE, SET_UP],
    "/bulletins/draft-bulletin/audience/": [LOGIN, 403, 403, 403, 403, DONE, DONE, SET_UP],
    "STORYreview/": [LOGIN, 403, 403, 403, DONE, 403, DONE, SET_UP],
    "/members/me/notifications/read/": [LOGIN] + [DONE] * 7,
    # Nothing chosen: the preferences page again, saying so.
    "/members/me/preferences/organisation-accounts/disconnect/": [LOGIN] + [DONE] * 7,
    "COHORT": [LOGIN, 403, 403, 403, DONE, 403, DONE, SET_UP],
    "/projects/new/": [LOGIN] + [DONE] * 7,
    # The lead (the member) adds the outsider; an admin finds them on the team already.
    "/projects/ward-huddles/team/": [LOGIN, DONE] + [403] * 4 + [DONE, 403],
    "/projects/ward-huddles/team/SPONSOR/role/": [LOGIN, DONE] + [403] * 4 + [DONE, 403],
    "/projects/ward-huddles/edit/": [LOGIN, DONE] + [403] * 4 + [DONE, 403],
    "/projects/ward-huddles/helped/": [LOGIN, DONE, 403, DONE, 403, 403, DONE, 403],
    "/projects/quiet-pilot/helped/": [LOGIN, 404, 404, DONE, 404, 404, DONE, 404],
    # Its lead (the moderator) removes a team member; by the admin's turn there is none to remove.
    "/projects/quiet-pilot/team/PILOT_PLACE/remove/": [LOGIN, 404, 404, DONE, 404, 404, 404, 404],
    # The diagram and its parts change by their team; a visitor reads no project's parts at all.
    "/projects/ward-huddles/diagram/": [404, DONE, 403, DONE, 403, 403, DONE, 403],
    "/projects/ward-huddles/ideas/<huddles-idea>/edit/": (
        [404, DONE, 403, DONE, 403, 403, DONE, 403]
    ),
    "/projects/ward-huddles/ideas/<huddles-idea>/cycles/new/": (
        [404, DONE, 403, DONE, 403, 403, DONE, 403]
    ),
    "/projects/ward-huddles/ideas/<huddles-idea>/cycles/1/edit/": (
        [404, DONE, 403, DONE, 403, 403, DONE, 403]
    ),
    "/projects/quiet-pilot/diagram/": [404, 404, 404, DONE, 404, 404, DONE, 404],
    "HUDDLES_IDEAadopt/": [404, 403, 403, DONE, DONE, 403, DONE, 403],
    # A measure and its figures: its team (nothing sent, so the form comes back).
    "/projects/ward-huddles/measures/new/": [LOGIN, DONE, 403, DONE, 403, 403, DONE, 403],
    "HUDDLES_MEASUREdata/": [LOGIN, DONE, 403, DONE, 403, 403, DONE, 403],
    "HUDDLES_MEASUREdata/upload/": [LOGIN, DONE, 403, DONE, 403, 403, DONE, 403],
    "HUDDLES_MEASUREphases/": [LOGIN, DONE, 403, DONE, 403, 403, DONE, 403],
    "PILOT_MEASUREdata/upload/": [LOGIN, 404, 404, DONE, 404, 404, DONE, 404],
}
POST_DATA = {
    "/resources/draft-guide/curate/": {"action": "publish"},
    "/resources/members-toolkit/rate/": {"stars": "4"},
    "STORYreview/": {"decision": "publish"},
    "/communities/founders/MEMBER/": {"allowed": "yes"},
    "/communities/leads/members/MEMBER/moderator/": {"appoint": "yes"},
    "EVENTattendees/add/": {"email": "nobody@example.org"},
    "SERIESregister/": {"whole": "on"},
    "/projects/new/": {"title": "No aim yet"},
    "/projects/ward-huddles/team/": {"member": "OUTSIDER", "role": "member"},
    "/projects/ward-huddles/team/SPONSOR/role/": {"role": "sponsor"},
    "/projects/ward-huddles/edit/": {"title": ""},
    "/projects/ward-huddles/diagram/": {"action": "add-driver", "text": "Staff time"},
    "/projects/quiet-pilot/diagram/": {"action": "add-driver", "text": "Staff time"},
}


def _post_address(path: str, places: dict, member) -> str:
    post = places["thread_post"]
    path = path.replace("MEMBER", str(member.pk))
    path = path.replace("SPONSOR", str(places["projects"]["sponsor_place"].pk))
    path = path.replace("PILOT_PLACE", str(places["projects"]["pilot_place"].pk))
    for placeholder, number in places["numbers"].items():
        path = path.replace(placeholder, str(number))
    if path.startswith("POST"):
        return f"/communities/leads/posts/{post.pk}/{path[len('POST') :]}"
    return _address(path, places)


@pytest.mark.parametrize("path", POST_MATRIX)
def test_every_role_gets_the_answer_the_matrix_declares_for_each_button(
    client, places, member, outsider, coordinator, admin_member, path
):
    data = {
        name: str(outsider.pk) if value == "OUTSIDER" else value
        for name, value in POST_DATA.get(path, {}).items()
    }

    def press(client):
        response = client.post(_post_address(path, places, member), data, follow=False)
        if response.status_code not in {200, 302, 400}:
            return response.status_code
        if response.get("Location", "") == reverse(SET_UP_PAGE):
            return SET_UP
        signing_in = response.get("Location", "").startswith("/accounts/login/")
        return LOGIN if signing_in else DONE

    answers = _as_each_role(client, places, member, outsider, coordinator, admin_member, press)

    assert answers == dict(zip(ROLES, POST_MATRIX[path], strict=True))
