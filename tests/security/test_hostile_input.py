"""Hostile input through the real forms and views: every case gets a clear message next to the
field, or a safe page, and changes nothing. Never a 500."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bulletins.audiences import fingerprint
from bulletins.models import Bulletin, BulletinSection
from communities.models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    Post,
    Report,
    Thread,
    ThreadSubscription,
)
from communities.services import reply_create, thread_start
from events.models import Event, Feedback, Registration
from insights.models import Assessment, Feature, Story
from members.models import Notification, Profile, User
from mentoring.models import Cohort, Match, MatchFeedback, Meeting, MentoringRequest, MentorOffer
from mentoring.services import approach_accept, request_create
from resources.models import Rating, Resource, Use
from tests.bulletins.conftest import add_section, make_bulletin
from tests.communities.conftest import join, make_community
from tests.events.conftest import make_event
from tests.factories import PASSWORD, ProfileFactory, TopicFactory
from tests.mentoring.conftest import make_mentor
from tests.resources.conftest import (
    docx_bytes,
    executable_bytes,
    make_resource,
    pdf_bytes,
    upload,
    zip_bytes,
)

pytestmark = pytest.mark.django_db

OVERLONG = "Overlong " * 2500  # 22,500 characters: more than any text field takes
NULL_BYTE = "Ward 7\x00 huddle"
# Right-to-left override, zero-width joiner and space, emoji with a skin tone, combining marks.
ODD_UNICODE = "Ward\u200b 7 \u202egnp.exe\u202c huddle 🏥👩🏽‍⚕️ Z̴̡a̶l̷g̸o̵ r\u0301u\u0308n chart"
BAD_DATES = {
    "no-30-february": "2026-02-30",
    "five-digit-year": "99999-01-01",
    "a-word": "yesterday",
    "null-byte": "2027-03-14\x00",
}


def soon(days=30, hour=10) -> str:
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


@dataclass
class Form:
    """A form as its page posts it: who, where, a valid submission, and what it may change."""

    actor: User
    url: str
    data: dict
    models: tuple
    files: dict = field(default_factory=dict)
    error_id: str = "id_{}_error"  # where a field's message is, beside the field

    def snapshot(self):
        return [list(model.objects.order_by("pk").values()) for model in self.models]


# --- the forms ------------------------------------------------------------------------------


def profile_edit(get):
    member = get("member")
    return Form(
        member,
        "/members/me/edit/",
        {
            "name": "Morag Campbell",
            "job_title": "Improvement advisor",
            "locality": "Dundee",
            "bio": "I run **frailty** huddles.",
            "expertise_tags": "Huddles\nRun charts",
            "links": "https://example.org/blog",
        },
        (User, Profile),
    )


def signup(get):
    return Form(
        None,
        "/accounts/signup/",
        {
            "name": "Nina Newcomer",
            "email": "nina.newcomer@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        (User,),
    )


def community_new(get):
    return Form(
        get("coordinator"),
        "/communities/new/",
        {
            "name": "Falls Prevention Circle",
            "purpose": "Care home staff sharing what cuts falls at night.",
            "level": "national",
            "privacy": "open",
        },
        (Community, Membership),
    )


def community_edit(get):
    community = get("hostile_community")
    return Form(
        community.created_by,
        f"/communities/{community.slug}/edit/",
        {
            "name": community.name,
            "purpose": "Sharing what works for frail people at home.",
            "level": "national",
            "privacy": "open",
        },
        (Community,),
    )


def thread_new(get):
    community = get("hostile_community")
    return Form(
        get("member"),
        f"/communities/{community.slug}/threads/new/",
        {"title": "Night-time falls", "body": "What has worked for you?"},
        (Thread, Post),
    )


def reply(get):
    thread = get("hostile_thread")
    return Form(
        get("member"),
        thread.get_absolute_url(),
        {"body": "We moved the huddle to 2pm."},
        (Post,),
    )


def report(get):
    thread = get("hostile_thread")
    post = thread.posts.first()
    return Form(
        get("member"),
        f"/communities/{thread.community.slug}/posts/{post.pk}/report/",
        {"reason": "It names a patient."},
        (Report,),
    )


def join_request(get):
    community = make_community(get("coordinator"), "QI Coaches Circle", privacy="closed")
    return Form(
        get("member"),
        f"/communities/{community.slug}/join/",
        {"reason": "I coach three ward teams."},
        (JoinRequest, Membership),
    )


def join_decision(get):
    community = make_community(get("coordinator"), "QI Coaches Circle", privacy="closed")
    asking = JoinRequest.objects.create(
        community=community, member=get("member"), reason="I coach three ward teams."
    )
    return Form(
        get("coordinator"),
        f"/communities/{community.slug}/requests/",
        {"request": asking.pk, "decision": "approve", "message": "Welcome."},
        (JoinRequest, Membership),
        # A page of requests, each with its own box for a message.
        error_id=f"message-{asking.pk}_error",
    )


def invite(get):
    community = get("hostile_community")
    return Form(
        community.created_by,
        f"/communities/{community.slug}/invite/",
        {"email": "nina.newcomer@example.org"},
        (Invitation,),
    )


EVENT = {
    "kind": "webinar",
    "title": "Run charts in an hour",
    "summary": "Practical examples, with time for questions.",
    "programme": "1. Why\n2. How",
    "format": "hybrid",
    "venue": "Dundee Rep",
    "address": "Tay Square, Dundee",
    "joining_link": "https://meet.example.org/room",
    "speakers": "Ada Lovelace",
    "visibility": "public",
}


def event_new(get):
    return Form(
        get("coordinator"),
        "/events/new/",
        {**EVENT, "starts_at": soon(hour=10), "ends_at": soon(hour=12)},
        (Event,),
    )


def event_edit(get):
    event = make_event(get("coordinator"))
    return Form(
        get("coordinator"),
        f"/events/{event.slug}/edit/",
        {**EVENT, "starts_at": soon(hour=10), "ends_at": soon(hour=12)},
        (Event,),
    )


def event_feedback(get):
    event = make_event(get("coordinator"), starts_in=timedelta(days=-2))
    Registration.objects.create(event=event, member=get("member"), status="confirmed")
    return Form(
        get("member"),
        f"/events/{event.slug}/feedback/",
        {"rating": "5", "useful": "The examples.", "change": "Plot weekly."},
        (Feedback,),
    )


def event_message(get):
    event = make_event(get("coordinator"))
    Registration.objects.create(event=event, member=get("member"), status="confirmed")
    return Form(
        get("coordinator"),
        f"/events/{event.slug}/attendees/message/",
        {"message": "The room has changed to 2.14."},
        (Notification,),
    )


def mentor_offer(get):
    topic = TopicFactory(name="Frailty", slug="frailty")
    return Form(
        get("member"),
        "/mentoring/offer/",
        {
            "areas": [topic.pk],
            "offer": "Help with run charts.",
            "capacity": "2",
            "format": "either",
            "availability": "An hour a month",
        },
        (MentorOffer,),
    )


def mentor_ask(get):
    topic = TopicFactory(name="Frailty", slug="frailty")
    mentor = make_mentor("Mo Mentor", areas=[topic])
    return Form(
        get("member"),
        "/mentoring/request/",
        {
            "goals": "Spread our frailty huddles.",
            "areas": [topic.pk],
            "format": "either",
            "send": "1",
            "first": mentor.pk,
        },
        (MentoringRequest,),
    )


def mentor_answer(get):
    topic = TopicFactory(name="Frailty", slug="frailty")
    mentor = make_mentor("Mo Mentor", areas=[topic])
    asking = request_create(
        mentee=get("member"), goals="Spread huddles.", area_ids=[topic.pk], mentor_ids=[mentor.pk]
    )
    return Form(
        mentor,
        asking.get_absolute_url(),
        {"action": "accept", "message": "Gladly."},
        (Match,),
    )


def hostile_match(get) -> Match:
    topic = TopicFactory(name="Frailty", slug="frailty")
    mentor = make_mentor("Mo Mentor", areas=[topic])
    asking = request_create(
        mentee=get("member"), goals="Spread huddles.", area_ids=[topic.pk], mentor_ids=[mentor.pk]
    )
    return approach_accept(approach=asking.approaches.get(), mentor=mentor)


def match_meeting(get):
    match = hostile_match(get)
    return Form(
        get("member"),
        match.get_absolute_url(),
        {"action": "meeting", "met_on": "2026-11-20", "notes": "Tested huddles on ward 3."},
        (Meeting,),
    )


def match_plan(get):
    match = hostile_match(get)
    return Form(
        get("member"),
        match.get_absolute_url(),
        {"action": "plan", "goals": "Huddles on every ward.", "ends_on": "2027-06-30"},
        (Match,),
    )


def match_feedback(get):
    match = hostile_match(get)
    match.status = Match.Status.CLOSED
    match.save(update_fields=["status"])
    return Form(
        get("member"),
        match.get_absolute_url(),
        {"action": "feedback", "helped": "on", "rating": "4", "changed": "I plot weekly now."},
        (MatchFeedback,),
    )


def cohort(get):
    topic = TopicFactory(name="Frailty", slug="frailty")
    mentor = make_mentor("Mo Mentor", areas=[topic])
    waiting = request_create(
        mentee=get("member"), goals="Spread huddles.", area_ids=[topic.pk], mentor_ids=[]
    )
    return Form(
        get("coordinator"),
        "/mentoring/cohorts/",
        {"name": "Spring cohort", "mentees": [waiting.pk], "mentors": [mentor.mentor_offer.pk]},
        (Cohort,),
    )


RESOURCE = {
    "title": "Huddle board template",
    "kind": "template",
    "summary": "How our ward runs a ten-minute safety huddle.",
    "link": "https://example.org/huddle-board",
    "author": "Ward 7 team",
    "audience": "public",
    "status": "published",
}


def resource_new(get):
    return Form(
        get("curator"),
        "/resources/new/",
        dict(RESOURCE),
        (Resource,),
    )


def resource_suggest(get):
    return Form(
        get("member"),
        "/resources/new/",
        {key: value for key, value in RESOURCE.items() if key != "status"},
        (Resource,),
    )


def resource_edit(get):
    resource = make_resource()
    return Form(
        get("curator"),
        f"/resources/{resource.slug}/edit/",
        dict(RESOURCE),
        (Resource,),
    )


def rating(get):
    resource = make_resource()
    return Form(get("member"), f"/resources/{resource.slug}/rate/", {"stars": "4"}, (Rating,))


def bulletin_new(get):
    return Form(
        get("curator"),
        "/bulletins/new/",
        {"title": "eBulletin: March 2027", "introduction": "Welcome."},
        (Bulletin,),
    )


def bulletin_edit(get):
    bulletin = make_bulletin()
    return Form(
        get("curator"),
        f"/bulletins/{bulletin.slug}/edit/",
        {"title": "eBulletin: March 2027", "introduction": "Welcome."},
        (Bulletin,),
    )


def section_new(get):
    bulletin = make_bulletin()
    return Form(
        get("curator"),
        f"/bulletins/{bulletin.slug}/sections/new/",
        {"heading": "New in the library", "text": "Three new tools.", "position": "1"},
        (BulletinSection,),
    )


def section_edit(get):
    bulletin = make_bulletin()
    section = add_section(bulletin, text="Three new tools.")
    return Form(
        get("curator"),
        f"/bulletins/{bulletin.slug}/sections/{section.pk}/",
        {"heading": "Tools for huddles", "text": "Four new tools.", "position": "1"},
        (BulletinSection,),
    )


def bulletin_send(get):
    bulletin = make_bulletin()
    add_section(bulletin, text="Three new tools.")
    return Form(
        get("curator"),
        f"/bulletins/{bulletin.slug}/send/",
        {"when": "later", "send_at": soon(), "confirmed": "yes", "audience": fingerprint(bulletin)},
        (Bulletin,),
    )


def story(get):
    return Form(
        get("member"),
        "/insights/stories/new/",
        {
            "title": "Fewer falls at night",
            "change": "A ten-minute huddle at 2pm.",
            "place": "Ward 7, Ninewells Hospital",
            "result": "Falls halved in three months.",
            "features": ["common_purpose"],
        },
        (Story,),
    )


def assessment(get):
    data = {"year": "2026"}
    for feature in Feature:
        data[f"{feature.value}_rating"] = "3"
        data[f"{feature.value}_evidence"] = "Survey results."
    return Form(
        get("coordinator"),
        "/insights/assessment/",
        data,
        (Assessment,),
    )


FORMS = [
    profile_edit,
    signup,
    community_new,
    community_edit,
    thread_new,
    reply,
    report,
    join_request,
    join_decision,
    invite,
    event_new,
    event_edit,
    event_feedback,
    event_message,
    mentor_offer,
    mentor_ask,
    mentor_answer,
    match_meeting,
    match_plan,
    match_feedback,
    cohort,
    resource_new,
    resource_suggest,
    resource_edit,
    rating,
    bulletin_new,
    bulletin_edit,
    section_new,
    section_edit,
    bulletin_send,
    story,
    assessment,
]
# Which fields of each form a case fills, for readable test ids: "thread_new-body".
TEXT_FIELDS = {
    "profile_edit": ("name", "job_title", "locality", "bio", "expertise_tags", "links"),
    "signup": ("name", "email"),
    "community_new": ("name", "purpose"),
    "community_edit": ("name", "purpose"),
    "thread_new": ("title", "body"),
    "reply": ("body",),
    "report": ("reason",),
    "join_request": ("reason",),
    "join_decision": ("message",),
    "invite": ("email",),
    "event_new": ("title", "summary", "programme", "venue", "address", "speakers", "joining_link"),
    "event_edit": ("title", "summary", "venue", "speakers", "recording_link"),
    "event_feedback": ("useful", "change"),
    "event_message": ("message",),
    "mentor_offer": ("offer", "availability", "capacity"),
    "mentor_ask": ("goals", "first"),
    "mentor_answer": ("message",),
    "match_meeting": ("notes",),
    "match_plan": ("goals",),
    "match_feedback": ("changed",),
    "cohort": ("name",),
    "resource_new": ("title", "summary", "link", "author"),
    "resource_suggest": ("title", "summary", "author"),
    "resource_edit": ("title", "summary", "link"),
    "rating": ("stars",),
    "bulletin_new": ("title", "introduction"),
    "bulletin_edit": ("title", "introduction"),
    "section_new": ("heading", "text", "position"),
    "section_edit": ("heading", "text"),
    "story": ("title", "change", "place", "result"),
    "assessment": ("year", "common_purpose_evidence"),
}
DATE_FIELDS = {
    "event_new": ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"),
    "event_edit": ("starts_at", "ends_at"),
    "match_meeting": ("met_on",),
    "match_plan": ("ends_on",),
    "resource_new": ("published_on",),
    "resource_edit": ("published_on",),
    "bulletin_send": ("send_at",),
}
BUILDERS = {builder.__name__: builder for builder in FORMS}


@pytest.fixture
def hostile_community(coordinator, member):
    community = make_community(coordinator, "Frailty Improvement Network")
    join(community, member)
    return community


@pytest.fixture
def hostile_thread(hostile_community, coordinator):
    thread = thread_start(
        community=hostile_community, author=coordinator, title="Huddles", body="How do you start?"
    )
    reply_create(thread=thread, author=coordinator, body="Listen first.")
    return thread


@pytest.fixture
def form_for(request, member, coordinator, curator):
    # Every persona has a profile, as a member who signed up does.
    for person in (member, coordinator, curator):
        ProfileFactory(member=person, slug=person.name.lower().replace(" ", "-"))

    def build(name: str) -> Form:
        return BUILDERS[name](request.getfixturevalue)

    return build


def client_for(form: Form, **options) -> Client:
    client = Client(**options)
    if form.actor:
        client.force_login(form.actor)
    return client


def post(client: Client, form: Form, **changes):
    return client.post(form.url, {**form.data, **form.files, **changes})


def assert_refused(response, form: Form, before, field_name: str) -> None:
    page = response.content.decode()
    assert response.status_code in {200, 400}, (response.status_code, response.get("Location"))
    assert f'id="{form.error_id.format(field_name)}"' in page, f"no message next to {field_name}"
    assert form.snapshot() == before, "a refused submission changed the database"


# --- the cases ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILDERS)
def test_the_valid_submission_is_saved(form_for, name):
    """The baseline every hostile case changes one field of: without it a refusal proves nothing."""
    form = form_for(name)
    before = form.snapshot()

    response = post(client_for(form), form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert form.snapshot() != before


@pytest.mark.parametrize(
    ("name", "field_name"),
    [(name, field_name) for name, fields in TEXT_FIELDS.items() for field_name in fields],
    ids=lambda value: value,
)
@pytest.mark.parametrize("value", [OVERLONG, NULL_BYTE], ids=["overlong", "null-byte"])
def test_overlong_text_and_null_bytes_get_a_message_next_to_the_field(
    form_for, name, field_name, value
):
    form = form_for(name)
    client = client_for(form)
    before = form.snapshot()

    response = post(client, form, **{field_name: value})

    assert_refused(response, form, before, field_name)


@pytest.mark.parametrize(
    ("name", "field_name"),
    [(name, field_name) for name, fields in DATE_FIELDS.items() for field_name in fields],
    ids=lambda value: value,
)
@pytest.mark.parametrize("value", BAD_DATES.values(), ids=BAD_DATES.keys())
def test_malformed_dates_get_a_message_next_to_the_field(form_for, name, field_name, value):
    form = form_for(name)
    client = client_for(form)
    before = form.snapshot()

    response = post(client, form, **{field_name: value})

    assert_refused(response, form, before, field_name)


UNICODE_FIELDS = [
    ("profile_edit", "name"),
    ("profile_edit", "job_title"),
    ("profile_edit", "bio"),
    ("community_new", "name"),
    ("thread_new", "title"),
    ("thread_new", "body"),
    ("reply", "body"),
    ("event_new", "title"),
    ("event_new", "venue"),
    ("mentor_offer", "offer"),
    ("resource_new", "title"),
    ("resource_new", "summary"),
    ("bulletin_new", "title"),
    ("section_new", "heading"),
    ("story", "place"),
]


@pytest.mark.parametrize(
    ("name", "field_name"), UNICODE_FIELDS, ids=[f"{n}-{f}" for n, f in UNICODE_FIELDS]
)
def test_odd_unicode_is_kept_and_shown_safely(form_for, name, field_name):
    form = form_for(name)
    client = client_for(form)

    saved = post(client, form, **{field_name: ODD_UNICODE})

    assert saved.status_code == 302, saved.content.decode()[:3000]
    page = client.get(saved["Location"], follow=True)
    assert page.status_code == 200


INVISIBLE = "\u200b\u202e\u2060 \u200d"  # zero-width and direction characters only
REQUIRED_NAMES = [
    ("profile_edit", "name"),
    ("signup", "name"),
    ("community_new", "name"),
    ("thread_new", "title"),
    ("thread_new", "body"),
    ("reply", "body"),
    ("event_new", "title"),
    ("resource_new", "title"),
    ("bulletin_new", "title"),
    ("section_new", "heading"),
    ("story", "title"),
    ("cohort", "name"),
]


@pytest.mark.parametrize(
    ("name", "field_name"), REQUIRED_NAMES, ids=[f"{n}-{f}" for n, f in REQUIRED_NAMES]
)
def test_a_required_name_made_only_of_invisible_characters_is_missing(form_for, name, field_name):
    """It would show as an empty, unclickable link; like one made of spaces, it is no name."""
    form = form_for(name)
    client = client_for(form)
    before = form.snapshot()

    response = post(client, form, **{field_name: INVISIBLE})

    assert_refused(response, form, before, field_name)


def test_text_ending_in_a_flag_or_a_direction_mark_is_kept_whole(form_for):
    """Scotland's flag ends in invisible tag characters; right-to-left text may end in a mark."""
    form = form_for("thread_new")
    client = client_for(form)
    body = "See you at the summit 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"

    post(client, form, title="שלום\u200f", body=body)

    thread = Thread.objects.get(title="שלום\u200f")
    assert thread.posts.get().body == body


# --- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [name for name in BUILDERS if name != "signup"])
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(form_for, name):
    form = form_for(name)
    client = client_for(form, enforce_csrf_checks=True)
    before = form.snapshot()

    response = post(client, form)

    assert response.status_code == 403
    assert form.snapshot() == before


def button(get, name: str):
    """A button that changes something without a form of fields: who presses it, where, what it
    sends and the table it would change."""
    member, coordinator, curator = get("member"), get("coordinator"), get("curator")
    thread = get("hostile_thread")
    if name == "join":
        community = make_community(coordinator, "Dementia Friendly Wards")
        return member, f"/communities/{community.slug}/join/", {}, Membership
    if name == "leave":
        return member, f"/communities/{thread.community.slug}/leave/", {}, Membership
    if name == "follow":
        return member, f"{thread.get_absolute_url()}follow/", {}, ThreadSubscription
    if name == "lock":
        return coordinator, f"{thread.get_absolute_url()}lock/", {}, Thread
    if name == "register":
        event = make_event(coordinator)
        return member, f"/events/{event.slug}/register/", {}, Registration
    if name in {"used", "archive"}:
        resource = make_resource()
        if name == "used":
            return member, f"/resources/{resource.slug}/used/", {}, Use
        return curator, f"/resources/{resource.slug}/curate/", {"action": "archive"}, Resource
    if name == "send-bulletin":
        bulletin = make_bulletin()
        add_section(bulletin, text="Three new tools.")
        return (
            curator,
            f"/bulletins/{bulletin.slug}/send/",
            {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
            Bulletin,
        )
    if name == "close-account":
        return member, "/members/me/delete/", {"password": PASSWORD}, User
    if name == "notifications-read":
        return member, "/members/me/notifications/read/", {}, Notification
    raise AssertionError(name)


BUTTONS = [
    "join",
    "leave",
    "follow",
    "lock",
    "register",
    "used",
    "archive",
    "send-bulletin",
    "close-account",
    "notifications-read",
]


@pytest.mark.parametrize("name", BUTTONS)
def test_a_button_pressed_without_the_csrf_token_is_refused(form_for, request, name):
    form_for("reply")  # the personas' profiles
    actor, url, data, model = button(request.getfixturevalue, name)
    client = Client(enforce_csrf_checks=True)
    client.force_login(actor)
    before = list(model.objects.order_by("pk").values())

    response = client.post(url, data)

    assert response.status_code == 403
    assert list(model.objects.order_by("pk").values()) == before


# --- uploads --------------------------------------------------------------------------------

HTML_PAGE = b"<!doctype html><html><body><script>window.__xss=1</script></body></html>"
SVG_IMAGE = b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1"><rect/></svg>'

RESOURCE_FILES = {
    "html-called-pdf": ("toolkit.pdf", HTML_PAGE, "it is not a real PDF"),
    "svg-called-pdf": ("toolkit.pdf", SVG_IMAGE, "it is not a real PDF"),
    "svg-as-itself": ("toolkit.svg", SVG_IMAGE, "The file must be a PDF, Word"),
    "exe-called-docx": ("toolkit.docx", executable_bytes(), "it is not a real Word document"),
    "zip-called-docx": ("toolkit.docx", zip_bytes(), "it is not a real Word document"),
    "word-called-pdf": ("toolkit.pdf", docx_bytes(), "but its name ends in “.pdf”"),
    "too-large": ("toolkit.pdf", pdf_bytes() + b"%" * 1_100_000, "smaller than 1 MB"),
    "html-called-png": ("diagram.png", HTML_PAGE, "it is not a real"),
}


def files_stored(settings) -> list:
    media = settings.MEDIA_ROOT
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    ("file_name", "content", "message"), RESOURCE_FILES.values(), ids=RESOURCE_FILES
)
def test_a_resource_file_that_is_too_large_or_not_what_it_says_is_refused(
    form_for, settings, file_name, content, message
):
    settings.RESOURCE_MAX_UPLOAD_MB = 1
    form = form_for("resource_new")
    client = client_for(form)
    before = form.snapshot()

    response = post(client, form, link="", upload=upload(file_name, content))

    assert_refused(response, form, before, "upload")
    assert message in response.content.decode()
    assert files_stored(settings) == []


def tiny_png() -> bytes:
    import io

    from PIL import Image

    stream = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(stream, format="PNG")
    return stream.getvalue()


PHOTOS = {
    "svg-called-png": ("me.png", SVG_IMAGE),
    "html-called-jpg": ("me.jpg", HTML_PAGE),
    "exe-called-jpg": ("me.jpg", executable_bytes()),
    "pdf-called-png": ("me.png", pdf_bytes()),
    "truncated-png": ("me.png", tiny_png()[:40]),
    "empty": ("me.png", b""),
}


@pytest.mark.parametrize(("file_name", "content"), PHOTOS.values(), ids=PHOTOS)
def test_a_profile_photo_that_is_not_an_image_is_refused(form_for, settings, file_name, content):
    form = form_for("profile_edit")
    client = client_for(form)
    before = form.snapshot()

    response = post(client, form, photo=upload(file_name, content))

    assert_refused(response, form, before, "photo")
    assert files_stored(settings) == []


def test_a_profile_photo_over_the_size_limit_is_refused(form_for, settings, monkeypatch):
    monkeypatch.setattr("members.services.PHOTO_MAX_BYTES", 100)
    form = form_for("profile_edit")
    client = client_for(form)
    before = form.snapshot()

    response = post(client, form, photo=upload("me.png", tiny_png() + b"\x00" * 200))

    assert_refused(response, form, before, "photo")
    assert "smaller than" in response.content.decode()
    assert files_stored(settings) == []


SLIDES = {
    "html-called-pdf": ("slides.pdf", HTML_PAGE),
    "exe-called-pdf": ("slides.pdf", executable_bytes()),
    "svg-called-pdf": ("slides.pdf", SVG_IMAGE),
}


@pytest.mark.parametrize(("file_name", "content"), SLIDES.values(), ids=SLIDES)
def test_event_slides_that_are_not_a_pdf_are_refused(form_for, settings, file_name, content):
    form = form_for("event_edit")
    client = client_for(form)
    before = form.snapshot()

    response = post(client, form, slides=upload(file_name, content))

    assert_refused(response, form, before, "slides")
    assert files_stored(settings) == []


def test_a_file_name_made_of_markup_is_shown_as_text_when_the_form_is_sent_back(form_for):
    """The form asks for the file again when another field is wrong, and names it."""
    form = form_for("resource_new")
    name = "<img src=x onerror=window.__xss=1>.pdf"

    response = post(client_for(form), form, title="", upload=upload(name, pdf_bytes()))

    page = response.content.decode()
    assert 'id="id_title_error"' in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=" in page


# --- query strings --------------------------------------------------------------------------

QUERIES = [
    # (id, who, address, the field whose message the page shows, or None when ignored)
    ("directory-page-word", "member", "/members/?page=abc", None),
    ("directory-page-huge", "member", "/members/?page=99999999999999999999999", None),
    ("directory-organisation-word", "member", "/members/?organisation=xyz", "organisation"),
    (
        "directory-organisation-huge",
        "member",
        "/members/?organisation=99999999999999999999",
        "organisation",
    ),
    ("directory-expertise-null", "member", "/members/?expertise=%00", "expertise"),
    ("directory-q-null", "member", "/members/?q=huddle%00", "q"),
    ("directory-q-overlong", "member", f"/members/?q={'a' * 5000}", None),
    ("directory-sector-unicode", "member", "/members/?sector=%E2%80%AEnhs", "sector"),
    ("communities-topic-word", "member", "/communities/?topic=xyz", "topic"),
    ("communities-q-null", None, "/communities/?q=%00", "q"),
    ("communities-page-negative", None, "/communities/?page=-1", None),
    ("events-no-30-february", None, "/events/?starts_from=2026-02-30", "starts_from"),
    ("events-five-digit-year", None, "/events/?starts_to=99999-01-01", "starts_to"),
    ("events-a-word", None, "/events/?starts_from=yesterday", "starts_from"),
    ("events-community-word", None, "/events/?community=xyz", "community"),
    ("events-format-unicode", None, "/events/?format=%F0%9F%8F%A5", "format"),
    ("resources-published-word", None, "/resources/?published_from=yesterday", "published_from"),
    ("resources-published-null", None, "/resources/?published_to=2026-01-01%00", "published_to"),
    ("resources-organisation-word", None, "/resources/?organisation=xyz", "organisation"),
    ("resources-q-null", None, "/resources/?q=falls%00", "q"),
    ("resources-q-overlong", None, f"/resources/?q={'falls ' * 2000}", None),
    ("search-null", None, "/search/?q=falls%00prevention", None),
    ("search-overlong", None, f"/search/?q={'falls ' * 2000}", None),
    ("search-operators", None, "/search/?q=%22%27%29%28%7C%21%26%3A*%5C", None),
    ("search-threads-page", "member", "/search/?q=huddle&in=threads&page=%00", None),
    ("suggest-null", "member", "/search/suggest/?q=mo%00", None),
    ("suggest-operators", "member", "/search/suggest/?q=%27%29%28%7C%21", None),
    ("insights-months-word", "member", "/insights/?months=abc", None),
    ("insights-community-word", "coordinator", "/insights/?community=xyz", "community"),
    ("insights-csv-region-null", "coordinator", "/insights/measures/members.csv?region=%00", None),
    ("assessment-superscript-year", "coordinator", "/insights/assessment/?year=%C2%B2", None),
    (
        "assessment-arabic-year",
        "coordinator",
        "/insights/assessment/?year=%D9%A2%D9%A0%D9%A2%D9%A5",
        None,
    ),
    ("stories-page-null", None, "/insights/stories/?page=%00", None),
    ("notifications-page", "member", "/members/me/notifications/?page=1e9", None),
    ("bulletins-page", None, "/bulletins/?page=%F0%9F%8F%A5", None),
    ("thread-page-word", "member", "THREAD?page=abc", None),
    (
        "thread-id-huge",
        "member",
        "/communities/frailty-improvement-network/threads/99999999999999999999/",
        None,
    ),
    ("event-feed-token-null", None, "/events/feed/%00aaaaaaaaaaaaaaaaaaaaaa.ics", None),
    ("unsubscribe-token-unicode", None, "/bulletins/unsubscribe/%E2%80%AE/", None),
    ("mentors-page", "member", "/mentoring/mentors/?page=-99", None),
    ("mentoring-request-huge", "member", "/mentoring/requests/99999999999999999999/", None),
]


@pytest.mark.parametrize(
    ("who", "address", "field_name"),
    [case[1:] for case in QUERIES],
    ids=[case[0] for case in QUERIES],
)
def test_malformed_query_strings_get_a_page_not_an_error(
    form_for, client, request, who, address, field_name
):
    thread = request.getfixturevalue("hostile_thread")
    make_event(request.getfixturevalue("coordinator"))
    make_resource()
    if who:
        client.force_login(request.getfixturevalue(who))

    response = client.get(address.replace("THREAD", thread.get_absolute_url()))

    assert response.status_code < 500
    if field_name:
        assert response.status_code == 200
        assert f'id="id_{field_name}_error"' in response.content.decode()
