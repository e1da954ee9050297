"""Redis stops while members join, sign in, register for an event and reply in a discussion.

The site keeps answering; nothing can be queued meanwhile, but Postgres records what is owed.
Once Redis is back, the beat sweeps send every e-mail that was owed, each exactly once.
"""

import collections
import time
from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from base.models import Email
from base.tasks import sweep_outbox
from communities.models import Membership, Post
from communities.services import COMMIT_MARGIN, thread_start
from communities.tasks import collect_post_digests
from events.models import Registration
from events.tasks import sweep_event_emails
from tests.communities.conftest import join, make_community
from tests.events.conftest import make_event
from tests.factories import PASSWORD, ProfileFactory
from tests.faults.conftest import answers_within
from tests.workers import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# Sending a task to a broker that is down gives up within a couple of seconds.
QUICK = 5


def sweep() -> None:
    """One tick of beat, for each sweep that a member's action can leave e-mails owed to."""
    sweep_event_emails()
    collect_post_digests()
    sweep_outbox()


def owed_for_a_while() -> None:
    """The outage lasted minutes. The sweep leaves e-mails due more recently than its grace
    period to the task already on its way; here there is none, and the rows say so once they
    have waited longer."""
    Email.objects.filter(status=Email.Status.QUEUED).update(
        not_before=F("not_before") - timedelta(minutes=10)
    )


def test_with_redis_down_the_site_works_and_what_was_owed_is_sent_once_it_is_back(
    client, private_redis, workers, smtp_sink, mailoutbox, coordinator
):
    event = make_event(coordinator, "Measuring for improvement")
    asker = ProfileFactory(member__name="Aileen Asker", slug="aileen-asker").member
    replier = ProfileFactory(member__name="Rab Replier", slug="rab-replier").member
    reader = ProfileFactory(member__name="Rhona Reader", slug="rhona-reader").member
    community = make_community(asker, "Falls Prevention Network")
    thread = thread_start(
        community=community, author=asker, title="Hip protectors", body="Who uses them?"
    )
    join(community, replier)
    join(community, reader)
    Membership.objects.filter(member=reader).update(digest=Membership.Digest.EACH)
    workers()
    # Anything the setting-up queued has been sent before the outage starts.
    time.sleep(3)
    smtp_sink.mailbox.clear()

    private_redis.stop()

    with answers_within(QUICK):
        joined = client.post(
            reverse("account_signup"),
            {
                "name": "Eilidh MacLeod",
                "email": "eilidh.macleod@example.org",
                "password1": "frailty-pathway-2026",
                "password2": "frailty-pathway-2026",
            },
        )
    assert joined.status_code == 302
    assert [message.to for message in mailoutbox] == [["eilidh.macleod@example.org"]]

    with answers_within(QUICK):
        signed_in = client.post(
            reverse("account_login"), {"login": replier.email, "password": PASSWORD}
        )
    assert signed_in.status_code == 302, "signing in does not need the cache"
    with answers_within(QUICK):
        registered = client.post(reverse("events:register", args=[event.slug]))
    assert registered.status_code == 302
    with answers_within(QUICK):
        replied = client.post(
            reverse("communities:thread", args=[community.slug, thread.pk]),
            {"body": "We fitted them on two wards last winter."},
        )
    assert replied.status_code == 302
    with answers_within(QUICK):
        assert client.get(reverse("members:me")).status_code == 200

    registration = Registration.objects.get(event=event, member=replier)
    assert registration.status == Registration.Status.CONFIRMED
    reply = Post.objects.get(thread=thread, author=replier)
    assert not smtp_sink.mailbox.recipients(), "nothing could be queued while Redis was down"

    private_redis.start()
    owed_for_a_while()
    # Posts younger than the commit margin wait for the next e-mail; let this one be older.
    assert wait_until(lambda: timezone.now() > reply.created_at + COMMIT_MARGIN, seconds=30)
    sweep()

    owed = {
        (replier.email, f"[Improvement Network] Your place at {event.title}"),
        (asker.email, f"[Improvement Network] Rab Replier replied to “{thread.title}”"),
        (reader.email, f"[Improvement Network] New in {community.name}"),
    }

    def received() -> collections.Counter:
        return collections.Counter(
            (str(message["To"]), str(message["Subject"]).strip())
            for message in smtp_sink.mailbox.messages()
        )

    assert wait_until(lambda: owed <= set(received())), (owed, list(received()))
    # The next ticks of beat, and time for any second copy to arrive, find nothing more to send.
    sweep()
    sweep()
    time.sleep(5)
    assert received() == collections.Counter(owed)
    assert set(Email.objects.values_list("status", flat=True)) == {Email.Status.SENT}
