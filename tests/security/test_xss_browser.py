"""Markup in members' text never runs: an XSS corpus is stored in every field that shows user
text, and every page that shows it is opened in Chromium.

Each page must leave window.__xss undefined, open no dialog, and hold no element with an event
handler attribute, a javascript:/data:text/html address, or a frame of its own making."""

import base64
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from bulletins.models import Bulletin, BulletinSection
from communities.models import Community, JoinRequest, Report
from communities.services import community_create, reply_create, thread_start
from events.models import Event, Registration
from events.services import event_index
from insights.models import Story
from members.models import Profile
from members.roles import COORDINATORS, CURATORS
from members.services import notify
from mentoring.models import Meeting, MentorOffer
from mentoring.services import approach_accept, request_create
from resources.indexing import resource_index
from resources.models import Resource
from tests.communities.conftest import make_community
from tests.e2e.conftest import sign_in
from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RUN = "window.__xss=1"
DATA_PAGE = base64.b64encode(f"<script>{RUN}</script>".encode()).decode()
CORPUS = {
    "script-tag": f"<script>{RUN}</script>",
    "img-onerror": f"<img src=x onerror={RUN}>",
    "svg-onload": f"<svg onload={RUN}>",
    "svg-nested-script": f"<svg><script>{RUN}</script></svg>",
    "markdown-javascript-link": f"[read the guide](javascript:{RUN})",
    "markdown-data-link": f"[open](data:text/html;base64,{DATA_PAGE})",
    "markdown-image": f"![chart](javascript:{RUN})",
    "entity-encoded-scheme": f'<a href="jav&#x61;script:{RUN}">guide</a>',
    "tab-in-scheme": f"[guide](java\tscript:{RUN})",
    "encoded-tab-in-scheme": f"[guide](java&#x09;script:{RUN})",
    "newline-in-scheme": f'<a href="java\nscript:{RUN}">guide</a>',
    "iframe-srcdoc": f'<iframe srcdoc="<script>{RUN}</script>"></iframe>',
    "attribute-breakout": f'"><script>{RUN}</script>',
    "single-quote-breakout": f"'><img src=x onerror={RUN}>",
    "autolink": f"<javascript:{RUN}>",
    "reference-link": f"[guide][1]\n\n[1]: javascript:{RUN}",
    "markdown-title-breakout": f'[guide](https://example.org "x\\" onmouseover=\\"{RUN}")',
    "style-tag": "<style>body{background:url(javascript:alert(1))}</style>",
    "style-attribute": '<p style="background:url(javascript:alert(1))">styled</p>',
    "details-ontoggle": f"<details open ontoggle={RUN}><summary>x</summary></details>",
    "object-data": f'<object data="data:text/html;base64,{DATA_PAGE}"></object>',
    "form-action": f'<form action="javascript:{RUN}"><button>go</button></form>',
    "meta-refresh": f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    "math-href": f'<math><mi xlink:href="javascript:{RUN}">x</mi></math>',
}
# Each piece of text also holds a word to search for, so search and lists show it too.
WORD = "huddle"

HOSTILE_DOM = """() => {
    const found = [];
    for (const element of document.querySelectorAll("*")) {
        for (const attribute of element.attributes) {
            const name = attribute.name.toLowerCase();
            if (name.startsWith("on")) found.push(`${element.tagName} ${name}`);
            if (name === "srcdoc") found.push(`${element.tagName} srcdoc`);
            if (name === "style" && /javascript|expression\\(/i.test(attribute.value)) {
                found.push(`${element.tagName} style=${attribute.value}`);
            }
            if (!["href", "src", "action", "formaction", "data", "xlink:href"].includes(name)) {
                continue;
            }
            // The address as the browser itself reads it: tabs and newlines inside a scheme,
            // entities and spaces around it all count the way they would on a click.
            let address;
            try { address = new URL(attribute.value, document.baseURI); } catch { continue; }
            const page = address.protocol === "data:" && /^(text\\/html|image\\/svg)/i.test(address.pathname);
            if (["javascript:", "vbscript:"].includes(address.protocol) || page) {
                found.push(`${element.tagName} ${name}=${attribute.value}`);
            }
        }
    }
    for (const element of document.querySelectorAll(
        "body iframe, body object, body embed, body style, body base, meta[http-equiv]"
    )) found.push(element.tagName);
    return found;
}"""


def text(payload: str, length: int) -> str:
    return f"{payload} {WORD}"[:length]


def seed(payload: str, viewer) -> dict:
    """Everything a member can write, written by a member whose name is the payload."""
    topic = TopicFactory(name="Falls prevention", slug="falls-prevention")
    author = ProfileFactory(
        member__name=text(payload, 150),
        slug="hostile-author",
        job_title=text(payload, 150),
        locality=text(payload, 100),
        bio=text(payload, 3000),
        expertise_tags=[payload[:60]],
        organisation=OrganisationFactory(),
        visibility="public",
    ).member
    ProfileFactory(member=viewer, slug="viewing-curator")

    community = community_create(
        founder=viewer,
        community=Community(
            name=text(payload, 120), slug="hostile-community", purpose=text(payload, 5000)
        ),
    )
    community.memberships.create(member=author)
    thread = thread_start(
        community=community, author=author, title=text(payload, 200), body=text(payload, 10000)
    )
    # A mention puts the author's name inside the Markdown of a post.
    reply = reply_create(thread=thread, author=viewer, body=f"@hostile-author {text(payload, 500)}")
    Report.objects.create(post=reply, reporter=author, reason=text(payload, 1000))
    closed = make_community(
        viewer, "QI Coaches Circle", privacy="closed", purpose="A safe space for coaches."
    )
    JoinRequest.objects.create(community=closed, member=author, reason=text(payload, 1000))

    starts = timezone.now() + timedelta(days=7)
    event = Event.objects.create(
        title=text(payload, 200),
        slug="hostile-event",
        kind="webinar",
        summary=text(payload, 2000),
        programme=text(payload, 10000),
        venue=text(payload, 200),
        address=text(payload, 500),
        speakers=text(payload, 2000),
        format="hybrid",
        joining_link="https://meet.example.org/room",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        organiser=viewer,
        community=community,
        visibility="public",
    )
    event_index(event)
    Registration.objects.create(event=event, member=author, status="confirmed")
    Registration.objects.create(event=event, member=viewer, status="confirmed")

    resource = Resource.objects.create(
        title=text(payload, 200),
        slug="hostile-resource",
        summary=text(payload, 5000),
        author=text(payload, 200),
        kind="tool",
        link="https://example.org/tool",
        status="published",
        audience="public",
        featured=True,
        published_on=timezone.localdate(),
        contributor=author,
    )
    resource_index(resource)
    bulletin = Bulletin.objects.create(
        title=text(payload, 200),
        slug="hostile-bulletin",
        introduction=text(payload, 5000),
        created_by=viewer,
    )
    section = BulletinSection.objects.create(
        bulletin=bulletin, heading=text(payload, 200), text=text(payload, 5000), position=1
    )
    section.resources.set([resource])
    section.events.set([event])
    section.communities.set([community])

    offer = MentorOffer.objects.create(
        mentor=author, offer=text(payload, 2000), availability=text(payload, 300)
    )
    offer.areas.set([topic])
    asking = request_create(
        mentee=viewer, goals=text(payload, 2000), area_ids=[topic.pk], mentor_ids=[author.pk]
    )
    match = approach_accept(
        approach=asking.approaches.get(), mentor=author, message=text(payload, 1000)
    )
    match.goals = text(payload, 2000)
    match.save(update_fields=["goals"])
    Meeting.objects.create(
        match=match, met_on=timezone.localdate(), notes=text(payload, 5000), logged_by=author
    )

    story = Story.objects.create(
        author=author,
        title=text(payload, 150),
        change=text(payload, 3000),
        place=text(payload, 200),
        result=text(payload, 3000),
        features=["common_purpose"],
        community=community,
        status=Story.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    notify(member=viewer, kind="mention", message=text(payload, 300), actor=author)
    return {
        "thread": thread,
        "event": event,
        "resource": resource,
        "bulletin": bulletin,
        "request": asking,
        "match": match,
        "story": story,
    }


def pages(seeded: dict, payload: str) -> list[str]:
    quoted = payload.replace("%", "%25").replace("#", "%23").replace("&", "%26")
    return [
        "/",
        "/members/",
        f"/members/?q={WORD}",
        "/members/hostile-author/",
        "/members/me/",
        "/members/me/notifications/",
        "/communities/",
        "/communities/hostile-community/",
        "/communities/hostile-community/members/",
        "/communities/hostile-community/reports/",
        "/communities/qi-coaches-circle/requests/",
        seeded["thread"].get_absolute_url(),
        "/events/",
        "/events/hostile-event/",
        "/events/hostile-event/attendees/",
        "/resources/",
        "/resources/hostile-resource/",
        "/resources/review/",
        "/bulletins/",
        "/bulletins/hostile-bulletin/",
        "/bulletins/hostile-bulletin/email/",
        f"/bulletins/hostile-bulletin/sections/{seeded['bulletin'].sections.get().pk}/",
        "/mentoring/",
        "/mentoring/mentors/",
        seeded["request"].get_absolute_url(),
        seeded["match"].get_absolute_url(),
        "/insights/",
        "/insights/stories/",
        seeded["story"].get_absolute_url(),
        f"/search/?q={WORD}",
        f"/search/?q={WORD}&in=threads",
        f"/search/?q={quoted}",
        f"/search/suggest/?q={quoted}",
        f"/resources/?q={quoted}",
        f"/events/?q={quoted}",
        f"/members/?q={quoted}",
    ]


@pytest.fixture
def watched(page):
    """The page, with a record of any dialog (alert, confirm, prompt) that opened."""
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return page, dialogs


def assert_nothing_ran(page, dialogs, where: str) -> None:
    assert page.evaluate("() => typeof window.__xss") == "undefined", where
    assert dialogs == [], where
    assert page.evaluate(HOSTILE_DOM) == [], where


@pytest.fixture
def viewer(admin_member):
    """Sees every page: coordinator, curator, moderator, mentee and reader of notifications."""
    for role in (COORDINATORS, CURATORS):
        admin_member.groups.add(Group.objects.get_or_create(name=role)[0])
    return admin_member


@pytest.mark.parametrize("payload", CORPUS.values(), ids=CORPUS)
def test_stored_markup_never_runs_on_any_page(live_server, watched, viewer, payload):
    page, dialogs = watched
    seeded = seed(payload, viewer)
    sign_in(page, live_server, viewer)

    for path in pages(seeded, payload):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert_nothing_ran(page, dialogs, path)


def test_markup_typed_into_the_reply_box_is_shown_as_text(live_server, watched, viewer):
    """Through the real form: the member's reply is posted, shown, and runs nothing."""
    page, dialogs = watched
    ProfileFactory(member=viewer, slug="viewing-curator")
    community = make_community(viewer, "Frailty Improvement Network")
    thread = thread_start(
        community=community, author=viewer, title="Night-time falls", body="What has worked?"
    )
    sign_in(page, live_server, viewer)
    page.goto(f"{live_server.url}{thread.get_absolute_url()}")

    page.get_by_label("Your reply").fill("\n\n".join(CORPUS.values()))
    page.get_by_role("button", name="Post your reply").click()

    page.wait_for_url(f"**{thread.get_absolute_url()}?page=last*")
    assert "window.__xss=1" in page.locator(".network-user-text").last.inner_text()
    assert_nothing_ran(page, dialogs, "the thread")


def test_markup_typed_into_the_profile_is_shown_as_text(live_server, watched, viewer):
    page, dialogs = watched
    ProfileFactory(member=viewer, slug="viewing-curator", visibility="public")
    payload = CORPUS["img-onerror"]
    sign_in(page, live_server, viewer)
    page.goto(f"{live_server.url}/members/me/edit/")

    page.get_by_label("Display name").fill(payload)
    page.get_by_label("Job title").fill(CORPUS["attribute-breakout"])
    page.get_by_label("About me").fill("\n\n".join(CORPUS.values()))
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()

    # A new name gives the profile a new address.
    page.goto(f"{live_server.url}{Profile.objects.get(member=viewer).get_absolute_url()}")
    assert payload in page.get_by_role("heading", level=1).inner_text()
    assert_nothing_ran(page, dialogs, "the profile")
