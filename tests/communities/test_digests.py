import base64
import json
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership, Post, ThreadSubscription
from communities.services import (
    DIGEST_EMAIL,
    digest_collect,
    post_moderate,
    reply_create,
    thread_start,
)
from communities.tasks import collect_daily_digests, collect_digest
from network.celery import app as celery_app
from tests.communities.conftest import join, make_community
from tests.factories import ProfileFactory
from tests.mail import send_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(open_community):
    reader = ProfileFactory(member__name="Rita Reader").member
    membership = join(open_community, reader)
    membership.digest = Membership.Digest.DAILY
    membership.digest_sent_until = timezone.now() - timedelta(hours=1)
    membership.save()
    return membership


def settle():
    """A minute passes: posts get past the commit margin that digests leave for saving."""
    Post.objects.update(created_at=F("created_at") - timedelta(minutes=1))
    Membership.objects.update(digest_sent_until=F("digest_sent_until") - timedelta(minutes=1))


def send_digest(membership_id: int) -> str:
    """The member's next digest: its window claimed and its e-mail queued, then sent."""
    outcome, _ = digest_collect(membership_id=membership_id)
    send_queued(kind=DIGEST_EMAIL)
    return outcome


def queued_tasks() -> list[tuple[str, list]]:
    """What waits in the broker's queue: (task name, arguments)."""
    with celery_app.connection_for_write() as connection:
        client = connection.default_channel.client
        messages = [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
    return [
        (message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0])
        for message in messages
    ]


def test_a_digest_brings_new_posts_once_and_never_repeats_them(
    reader, open_community, participant, mailoutbox
):
    thread = thread_start(
        community=open_community,
        author=participant,
        title="Huddles",
        body="Who runs daily huddles?",
    )
    settle()

    assert send_digest(reader.pk) == "queued 1"
    assert send_digest(reader.pk) == "nothing new"
    reply_create(thread=thread, author=participant, body="We do, at 9.")
    settle()
    assert send_digest(reader.pk) == "queued 1"

    assert len(mailoutbox) == 2
    first, second = mailoutbox
    assert first.subject == "[Improvement Network] Today in Frailty Improvement Network"
    assert "Who runs daily huddles?" in first.body
    assert "Who runs daily huddles?" not in second.body
    assert "We do, at 9." in second.body


def test_a_post_still_being_saved_waits_for_the_next_digest(
    reader, open_community, participant, mailoutbox
):
    thread_start(community=open_community, author=participant, title="Huddles", body="Just now")

    assert send_digest(reader.pk) == "nothing new"
    settle()
    assert send_digest(reader.pk) == "queued 1"


def test_a_digest_leaves_out_own_hidden_and_muted_posts(
    reader, open_community, participant, moderator, mailoutbox
):
    own = thread_start(community=open_community, author=reader.member, title="Mine", body="My own")
    muted = thread_start(community=open_community, author=participant, title="Muted", body="Noise")
    ThreadSubscription.objects.create(thread=muted, member=reader.member, state="muted")
    hidden = thread_start(
        community=open_community, author=participant, title="Hidden", body="Off-topic"
    )
    post_moderate(post=hidden.posts.get(), moderator=moderator, state=Post.State.HIDDEN)
    thread_start(community=open_community, author=participant, title="Useful", body="Worth reading")
    reply_create(thread=own, author=participant, body="A reply to you")
    settle()

    send_digest(reader.pk)

    body = mailoutbox[0].body
    assert "Worth reading" in body and "A reply to you" in body
    assert "My own" not in body and "Noise" not in body and "Off-topic" not in body


def test_members_who_chose_no_emails_get_none(reader, open_community, participant, mailoutbox):
    reader.digest = Membership.Digest.NONE
    reader.save()
    thread_start(community=open_community, author=participant, title="Huddles", body="Hello")
    settle()

    assert send_digest(reader.pk) == "no digest wanted"
    assert mailoutbox == []


def test_each_post_members_get_their_email_queued_when_the_post_commits(
    client, reader, open_community, participant, django_capture_on_commit_callbacks
):
    reader.digest = Membership.Digest.EACH
    reader.save()
    celery_app.control.purge()
    client.force_login(participant)

    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("communities:thread_new", args=[open_community.slug]),
                {"title": "Huddles", "body": "Hello"},
            )
        assert ("communities.tasks.collect_digest", [reader.pk]) in queued_tasks()
    finally:
        celery_app.control.purge()


def test_the_daily_sweep_queues_only_communities_with_news(
    reader, open_community, participant, moderator
):
    quiet_community = make_community(moderator, "Quiet Corner")
    quiet_daily = join(quiet_community, ProfileFactory().member)
    Membership.objects.filter(pk=quiet_daily.pk).update(
        digest="daily", digest_sent_until=timezone.now()
    )
    weekly = join(open_community, ProfileFactory().member)
    Membership.objects.filter(pk=weekly.pk).update(digest="weekly")
    thread_start(community=open_community, author=participant, title="News", body="Fresh")

    celery_app.control.purge()
    try:
        assert collect_daily_digests() == 1
        assert [args for name, args in queued_tasks()] == [[reader.pk]]
    finally:
        celery_app.control.purge()


def test_a_long_backlog_comes_in_batches_and_nothing_is_dropped(
    reader, open_community, participant, mailoutbox
):
    thread = thread_start(community=open_community, author=participant, title="Busy", body="0")
    for number in range(1, 121):
        reply_create(thread=thread, author=participant, body=f"Reply {number}")
    settle()

    celery_app.control.purge()
    try:
        assert collect_digest(reader.pk) == "queued 100"
        assert ("communities.tasks.collect_digest", [reader.pk]) in queued_tasks()
    finally:
        celery_app.control.purge()
    assert collect_digest(reader.pk) == "queued 21"
    assert str(send_queued()) == "2 sent"
    assert "Reply 120" in mailoutbox[1].body and "Reply 99" in mailoutbox[0].body


def test_switching_emails_on_does_not_send_the_old_backlog(
    client, reader, open_community, participant
):
    thread_start(community=open_community, author=participant, title="Old", body="Old news")
    settle()
    client.force_login(reader.member)

    client.post(reverse("communities:digest", args=[open_community.slug]), {"digest": "daily"})

    assert send_digest(reader.pk) == "nothing new"


def test_a_member_who_turns_the_emails_off_before_one_goes_gets_none(
    reader, open_community, participant, mailoutbox
):
    thread_start(community=open_community, author=participant, title="Huddles", body="Hello")
    settle()
    assert digest_collect(membership_id=reader.pk) == ("queued 1", False)

    Membership.objects.filter(pk=reader.pk).update(digest=Membership.Digest.NONE)

    assert str(send_queued()) == "1 skipped"
    assert mailoutbox == []


def test_each_thread_in_a_digest_links_to_the_site(reader, open_community, participant, mailoutbox):
    thread = thread_start(community=open_community, author=participant, title="Huddles", body="Hi")
    settle()

    send_digest(reader.pk)

    body = mailoutbox[0].body
    assert (
        f"== Huddles ==\nhttp://127.0.0.1:8000/communities/{open_community.slug}/threads/{thread.pk}/\n"
        in body
    )
    assert (
        f"See everything in {open_community.name}: http://127.0.0.1:8000/communities/{open_community.slug}/"
        in body
    )
