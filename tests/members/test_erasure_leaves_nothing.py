"""A member who has done everything a member can do closes their account: afterwards nothing in
the database, the Redis cache, the words search corrects slips to or the upload folder still
holds any of their words.

They renamed themselves first, were mentioned in a closed community they never joined, were
cached in the network analysis, held a role, were signed in on a second device and appeared in
the admin's log. Their own contributions (a reply in a discussion) stay by design, written
without any of the words searched for.
"""

import base64
import importlib
import io
from pathlib import Path

import pytest
import redis
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from base.models import AuditEntry, Email
from communities.models import Community, Membership
from communities.services import join_request_create, reply_create, thread_start
from events.models import RegistrationAnswer, RegistrationQuestion
from insights.models import Story
from insights.services import BRIDGING_KEY, network_bridging_refresh
from members.audit import Action as MemberAction
from members.models import MemberSession, Notification, Profile, User
from members.roles import COORDINATORS
from members.tasks import clear_expired_sessions
from mentoring.models import Approach, MentorOffer
from mentoring.services import approach_accept, request_create
from resources.models import Resource
from search.models import SearchWord
from search.services import words_refresh
from tests.events.conftest import make_event
from tests.factories import PASSWORD, OrganisationFactory, ProfileFactory, TopicFactory
from tests.members.test_profile_edit import form_data
from tests.resources.conftest import make_resource, pdf_bytes
from tests.workers import wait_until
from tooling.worker_process import start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)

# What of the leaver is searched for, cut short so that stemmed search text matches too.
TRACES = [
    "quillfeath",  # their name before they renamed themselves
    "brightwat",  # their name when they left
    "tamsin.q",  # their e-mail address
    "vexillolog",  # job title
    "zephyr",  # their introduction, goals, notes, suggestion, story, join request
    "kirkwhistl",  # locality
    "quillograph",  # their own area of expertise
]


def traces_in(text: str | bytes) -> set[str]:
    lowered = text.lower() if isinstance(text, str) else text.decode(errors="replace").lower()
    return {trace for trace in TRACES if trace in lowered}


def photo_upload():
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (0, 101, 189)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def leaver(db):
    frailty = TopicFactory(name="Frailty", slug="frailty")
    profile = ProfileFactory(
        member__name="Tamsin Quillfeather",
        member__email="tamsin.quillfeather@example.org",
        slug="tamsin-quillfeather",
        job_title="Frailty vexillologist",
        organisation=OrganisationFactory(name="NHS Borders", slug="nhs-borders"),
        expertise=[frailty],
    )
    profile.bio = "I lead the Zephyrine ward project."
    profile.locality = "Kirkwhistle"
    profile.expertise_tags = ["quillography"]
    profile.links = ["https://example.org/zephyrine-notes"]
    profile.save()
    profile.member.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])
    return profile.member


def everything_a_member_does(client, leaver, colleague, mentor, curator):
    """Months of a member's life in the network, through its real forms and rules."""
    elsewhere = OrganisationFactory(name="Fife Council", slug="fife-council")
    for person in (colleague, mentor):
        Profile.objects.filter(member=person).update(organisation=elsewhere)
    falls = Community.objects.create(name="Falls network", slug="falls", purpose="Falls.")
    garnet = Community.objects.create(
        name="Garnet Circle", slug="garnet", purpose="Ward leads.", privacy="closed"
    )
    for community, person, role in [
        (falls, leaver, "member"),
        (falls, colleague, "moderator"),
        (falls, mentor, "member"),
        (garnet, colleague, "moderator"),
    ]:
        Membership.objects.create(community=community, member=person, role=role)
    huddles = thread_start(
        community=falls, author=colleague, title="Huddles", body="Ask @tamsin-quillfeather."
    )
    leads = thread_start(
        community=garnet, author=colleague, title="Ward leads", body="@tamsin-quillfeather knows."
    )
    join_request_create(community=garnet, member=leaver, reason="Zephyrine is my ward.")
    # An admin changed their place in a community on the community's page (an inline).
    LogEntry.objects.log_actions(
        user_id=User.objects.filter(is_superuser=True).get().pk,
        queryset=[falls],
        action_flag=CHANGE,
        change_message=[
            {"changed": {"name": "membership", "object": str(falls.memberships.get(member=leaver))}}
        ],
        single_object=True,
    )

    client.force_login(leaver)
    profile = Profile.objects.get(member=leaver)
    client.post(
        reverse("members:edit"),
        {**form_data(profile, name="Tamsin Brightwater"), "photo": photo_upload()},
    )
    leaver.refresh_from_db()
    assert leaver.profile.slug == "tamsin-brightwater" and leaver.profile.photo

    reply_create(thread=huddles, author=colleague, body="Thanks @tamsin-brightwater!")
    reply_create(thread=leads, author=colleague, body="Or ask @tamsin-brightwater.")
    reply_create(thread=huddles, author=leaver, body="Glad to help @" + colleague.profile.slug)

    MentorOffer.objects.create(mentor=mentor, offer="Ward leadership.", capacity=2)
    MentorOffer.objects.create(mentor=leaver, offer="Zephyrine coaching.", capacity=1)
    asked = request_create(
        mentee=leaver, goals="Zephyrine goals.", area_ids=[], mentor_ids=[mentor.pk]
    )
    match = approach_accept(
        approach=Approach.objects.get(request=asked),
        mentor=mentor,
        message="Happy to mentor you, Tamsin Brightwater.",
    )
    client.post(
        reverse("mentoring:match", args=[match.pk]),
        {
            "action": "meeting",
            "met_on": timezone.localdate().isoformat(),
            "notes": "Zephyrine notes.",
        },
    )
    assert match.meetings.filter(notes="Zephyrine notes.").exists()

    client.post(
        "/resources/new/",
        {
            "title": "Zephyrine checklist",
            "kind": "tool",
            "summary": "Our Zephyrine checklist.",
            "upload": SimpleUploadedFile("zephyrine.pdf", pdf_bytes("Zephyrine checklist")),
            "audience": "public",
        },
    )
    suggestion = Resource.objects.get(title="Zephyrine checklist")
    assert suggestion.file
    curator_client = Client()
    curator_client.force_login(curator)
    curator_client.post(reverse("resources:curate", args=[suggestion.slug]), {"action": "archive"})
    library = make_resource("Falls toolkit")
    client.post(reverse("resources:rate", args=[library.slug]), {"stars": 5})
    client.post(reverse("resources:used", args=[library.slug]))
    client.post(
        reverse("insights:story_create"),
        {
            "title": "Zephyrine story",
            "change": "We changed handovers.",
            "place": "Ward 7",
            "result": "Fewer falls.",
            "features": ["common_purpose"],
        },
    )
    assert Story.objects.filter(author=leaver).exists()

    # A place at an event, with what they told its organisers of their needs.
    huddle = make_event(colleague, "Falls huddle")
    needs = RegistrationQuestion.objects.create(
        event=huddle, text="Do you have access or dietary needs?", kind="short_text"
    )
    client.post(
        reverse("events:register", args=[huddle.slug]),
        {f"question-{needs.pk}": "Zephyrine diet, please."},
    )
    assert RegistrationAnswer.objects.filter(registration__member=leaver).exists()

    LogEntry.objects.log_actions(
        user_id=User.objects.filter(is_superuser=True).get().pk,
        queryset=[leaver, MentorOffer.objects.get(mentor=leaver)],
        action_flag=CHANGE,
        change_message="Changed roles.",
    )
    Client().force_login(leaver)  # signed in on another device too
    return {"suggestion": suggestion, "colleague": colleague}


def database_traces() -> dict[str, set[str]]:
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for trace in TRACES:
                cursor.execute(
                    f'SELECT 1 FROM "{table}" AS row WHERE row::text ILIKE %s LIMIT 1',
                    [f"%{trace}%"],
                )
                if cursor.fetchone():
                    found.setdefault(table, set()).add(trace)
    return found


def redis_traces() -> set[str]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    found = set()
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"hash":
            values = list(client.hgetall(key).values())
        elif kind in (b"set", b"zset"):
            values = list(client.smembers(key) if kind == b"set" else client.zrange(key, 0, -1))
        else:
            values = []
        for value in [key, *values]:
            found |= traces_in(value)
    return found


def media_traces() -> dict[str, set[str]]:
    found = {}
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            seen = traces_in(path.name) | traces_in(path.read_bytes())
            if seen:
                found[path.name] = seen
    return found


def test_closing_an_account_leaves_none_of_its_words_anywhere(
    client, leaver, coordinator, curator, admin_member
):
    colleague = ProfileFactory(member__name="Cal Colleague").member
    mentor = ProfileFactory(member__name="Mo Mentor").member
    made = everything_a_member_does(client, leaver, colleague, mentor, curator)
    photo = Path(settings.MEDIA_ROOT) / Profile.objects.get(member=leaver).photo.name
    network_bridging_refresh()
    words_refresh()
    # Before: each of these places holds them, so the test can tell them empty afterwards.
    assert leaver.pk in [
        member for member, _ in cache.get(BRIDGING_KEY)["result"]["bridging_members"]
    ]
    assert SearchWord.objects.filter(word__startswith="zephyr").exists()
    assert MemberSession.objects.filter(member_id=leaver.pk).count() == 2
    assert photo.exists() and made["suggestion"].file
    assert set(database_traces()) >= {"members_user", "members_profile", "communities_post"}
    export = client.get(reverse("members:export"))
    assert traces_in(export.content) >= set(TRACES) - {"quillfeath"}, "it holds what goes"
    held = export.json()
    assert base64.b64decode(held["profile"]["photo"]["base64"]) == photo.read_bytes()
    assert held["resources"]["contributed"][0]["file"]["base64"]
    assert held["resources"]["ratings"][0]["rated_at"]
    assert held["communities"]["threads_followed_or_muted"]
    assert held["mentoring"]["requests"][0]["preferences"]
    assert held["mentoring"]["requests"][0]["mentors_asked"][0]["their_message"]
    assert held["stories"][0]["features"] == ["Common purpose"]
    emails = Email.objects.count()
    assert Email.objects.filter(recipient=leaver).exists(), "they were e-mailed when mentioned"

    worker = start_worker()
    try:
        client.post(reverse("members:delete"), {"password": PASSWORD})
        words_gone = wait_until(
            lambda: not SearchWord.objects.filter(word__startswith="zephyr").exists()
        )
    finally:
        stop_worker(worker)

    assert words_gone, "the words search corrects slips to were not rebuilt"
    assert database_traces() == {}
    assert redis_traces() == set()
    assert media_traces() == {}
    assert not photo.exists()
    assert not MemberSession.objects.filter(member_id=leaver.pk).exists()
    assert not Email.objects.filter(recipient=leaver).exists(), "the outbox forgot them"
    assert Email.objects.count() >= emails, "and kept its counts"
    assert AuditEntry.objects.filter(
        member=leaver, action=MemberAction.ROLE_REMOVED, detail=COORDINATORS
    ).exists()
    told = Notification.objects.filter(recipient=made["colleague"]).select_related("actor")
    assert "A former member mentioned you in “Huddles”" in [note.text for note in told]


def test_a_renamed_member_is_mentioned_by_their_new_name_only(client, leaver):
    colleague = ProfileFactory(member__name="Cal Colleague").member
    falls = Community.objects.create(name="Falls network", slug="falls", purpose="Falls.")
    for person in (leaver, colleague):
        Membership.objects.create(community=falls, member=person)
    thread = thread_start(
        community=falls, author=colleague, title="Huddles", body="Ask @tamsin-quillfeather!"
    )
    client.force_login(leaver)

    client.post(reverse("members:edit"), form_data(leaver.profile, name="Tamsin Brightwater"))

    post = thread.posts.get()
    assert "@tamsin-brightwater!" in post.body and "Tamsin Brightwater" in post.body_html
    assert "quillfeather" not in (post.body + post.body_html).lower()
    old_address = client.get("/search/", {"q": "quillfeather", "in": "threads"})
    assert "Huddles" not in old_address.content.decode()


def test_expired_sessions_are_cleared_by_beat(leaver):
    Client().force_login(leaver)
    MemberSession.objects.update(expire_date=timezone.now() - timezone.timedelta(days=1))
    Client().force_login(leaver)

    assert clear_expired_sessions() == 1
    assert MemberSession.objects.filter(member_id=leaver.pk).count() == 1


def test_sessions_from_before_members_sessions_are_ended_by_the_migration(leaver):
    """Rows of Django's own session table, from before sessions knew their member, would be
    out of reach of every account closing."""
    migration = importlib.import_module("members.migrations.0010_old_sessions_end")
    Session.objects.create(
        session_key="x" * 32,
        session_data=SessionStore().encode({"_auth_user_id": str(leaver.pk)}),
        expire_date=timezone.now() + timezone.timedelta(days=14),
    )

    migration.end_old_sessions(django_apps, None)

    assert not Session.objects.exists()
