"""Composing, sending, reading and leaving the eBulletin, with a real SMTP server on loopback."""

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from base import outbox
from base.models import Email
from base.tasks import sweep_outbox
from bulletins import services
from bulletins.audiences import fingerprint
from bulletins.delivery import progress
from bulletins.models import Bulletin
from bulletins.tasks import sweep_bulletins
from members.services import member_erase, profile_for
from resources.models import Resource
from tests.bulletins.conftest import add_section, copies, make_bulletin, send_all, subscribe
from tests.factories import MemberFactory
from tests.mail import send_queued
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulletin(curator):
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, resources=[make_resource("Run chart tool")])
    return bulletin


# --- composing ------------------------------------------------------------------------------


def test_a_curator_composes_a_bulletin_with_sections(client, curator):
    resource = make_resource("Run chart tool")
    client.force_login(curator)

    response = client.post(
        "/bulletins/new/", {"title": "eBulletin: January 2027", "introduction": "Happy new year."}
    )
    bulletin = Bulletin.objects.get()
    assert response["Location"] == bulletin.get_absolute_url()
    client.post(
        reverse("bulletins:section_create", args=[bulletin.slug]),
        {
            "heading": "New in the library",
            "text": "Try these.",
            "resources": [resource.pk],
            "position": 1,
        },
    )

    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "New in the library" in page
    assert "Run chart tool" in page
    assert "Send or schedule the bulletin" in page


def test_an_empty_section_gets_a_message(client, curator, bulletin):
    client.force_login(curator)

    response = client.post(
        reverse("bulletins:section_create", args=[bulletin.slug]),
        {"heading": "Nothing", "position": 2},
    )

    assert "Write some text or pick something" in response.content.decode()
    assert bulletin.sections.count() == 1


def test_members_cannot_compose(client, member, bulletin):
    client.force_login(member)

    assert client.get("/bulletins/new/").status_code == 403
    assert (
        client.post(
            reverse("bulletins:send", args=[bulletin.slug]),
            {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
        ).status_code
        == 403
    )
    assert not copies().exists()


def test_draft_bulletins_are_invisible_to_members_and_visitors(client, member, bulletin):
    assert client.get(bulletin.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(bulletin.get_absolute_url()).status_code == 404
    assert bulletin.title not in client.get("/bulletins/").content.decode()
    assert client.get(reverse("bulletins:email", args=[bulletin.slug])).status_code == 403


def test_the_email_preview_is_personalised_and_carries_the_unsubscribe_headers(
    client, curator, bulletin
):
    client.force_login(curator)

    html = client.get(reverse("bulletins:email", args=[bulletin.slug])).content.decode()
    text = client.get(
        reverse("bulletins:email", args=[bulletin.slug]) + "?format=text"
    ).content.decode()

    assert "Dear Kirsty," in html and "Dear Kirsty," in text
    assert "Run chart tool" in html and "Run chart tool" in text
    assert f"/bulletins/unsubscribe/{profile_for(curator).bulletin_token}/" in text


def test_a_test_send_reaches_the_curator_only(client, curator, bulletin, smtp_sink):
    subscribe(MemberFactory())
    client.force_login(curator)

    answer = client.post(reverse("bulletins:test", args=[bulletin.slug]), follow=True)
    send_queued()

    assert f"A test copy is on its way to {curator.email}." in answer.content.decode()
    assert smtp_sink.recipients() == [curator.email]
    test_copy = smtp_sink.messages()[0]
    assert test_copy["Subject"] == "[Test] eBulletin: December 2026"
    assert "/bulletins/unsubscribe/" in test_copy["List-Unsubscribe"]
    assert not copies().exists(), "a test copy counts for no member"
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


# --- sending --------------------------------------------------------------------------------


def test_sending_freezes_the_bulletin_and_mails_every_subscriber_once(
    client, curator, bulletin, smtp_sink
):
    readers = subscribe(
        MemberFactory(name="Rhona Reid"), MemberFactory(name="Ross Kerr"), MemberFactory()
    )
    MemberFactory()  # not subscribed
    subscribe(MemberFactory(verified=False))  # not a member until the address is confirmed
    client.force_login(curator)

    client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
    )
    Resource.objects.update(title="Renamed after sending")
    send_all(bulletin)

    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert sorted(smtp_sink.recipients()) == sorted(reader.email for reader in readers)
    first = smtp_sink.messages()[0]
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        first["List-Unsubscribe"].strip().startswith("<http")
        and "/bulletins/unsubscribe/" in first["List-Unsubscribe"]
    )
    assert {part.get_content_type() for part in first.iter_parts()} == {"text/plain", "text/html"}
    bodies = " ".join(
        message.get_body(("plain",)).get_content() for message in smtp_sink.messages()
    )
    assert "Dear Rhona," in bodies and "Dear Ross," in bodies
    assert "Run chart tool" in bodies  # as it was when sent
    assert "Renamed after sending" not in client.get(bulletin.get_absolute_url()).content.decode()


def test_a_sent_bulletin_cannot_be_sent_again_or_edited(client, curator, bulletin, smtp_sink):
    subscribe(MemberFactory())
    client.force_login(curator)
    send_url = reverse("bulletins:send", args=[bulletin.slug])

    client.post(send_url, {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)})
    client.post(send_url, {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)})
    response = client.post(reverse("bulletins:edit", args=[bulletin.slug]), {"title": "Changed"})

    assert copies().count() == 1
    bulletin.refresh_from_db()
    assert bulletin.title == "eBulletin: December 2026"
    assert response.status_code == 302


def test_a_batch_run_twice_sends_nobody_a_second_copy(bulletin, smtp_sink):
    subscribe(*MemberFactory.create_batch(3))
    services.bulletin_send(bulletin=bulletin)
    ids = list(copies(bulletin).values_list("pk", flat=True))

    outbox.send(ids)
    outbox.send(ids)

    assert len(smtp_sink.recipients()) == 3


def test_a_member_who_unsubscribes_during_a_send_is_skipped(bulletin, smtp_sink):
    staying, leaving = subscribe(MemberFactory(), MemberFactory())
    services.bulletin_send(bulletin=bulletin)
    services.bulletin_unsubscribe(profile=profile_for(leaving))

    send_all(bulletin)

    assert smtp_sink.recipients() == [staying.email]
    assert copies().get(recipient=leaving).status == Email.Status.SKIPPED
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert (progress(bulletin)["sent"], progress(bulletin)["skipped"]) == (1, 1)


def test_a_member_who_closes_their_account_during_a_send_is_skipped_and_counted(
    bulletin, smtp_sink
):
    staying, leaving = subscribe(MemberFactory(), MemberFactory())
    services.bulletin_send(bulletin=bulletin)
    member_erase(leaving)

    send_all(bulletin)

    assert smtp_sink.recipients() == [staying.email]
    assert not copies(bulletin).filter(recipient=leaving).exists(), "the copy forgets whom"
    assert progress(bulletin) == {
        "total": 2,
        "sent": 1,
        "failed": 0,
        "in_doubt": 0,
        "skipped": 1,
        "pending": 0,
        "percent": 100,
    }


def test_an_unreachable_mail_server_leaves_the_copies_waiting_for_the_retry(bulletin, settings):
    subscribe(MemberFactory())
    services.bulletin_send(bulletin=bulletin)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard

    batch = outbox.send(list(copies().values_list("pk", flat=True)))

    assert batch.retry_in is not None, "the task tries again after a wait"
    waiting = copies().get()
    assert waiting.status == Email.Status.QUEUED
    assert waiting.attempts == 1 and "Connection" in waiting.error
    assert progress(bulletin)["pending"] == 1


def test_a_bulletin_that_cannot_be_built_fails_at_once_and_is_not_retried(bulletin, smtp_sink):
    subscribe(MemberFactory(), MemberFactory())
    services.bulletin_send(bulletin=bulletin)
    # A line break in the subject, as bulletins frozen before titles were one line had.
    bulletin.refresh_from_db()
    Bulletin.objects.filter(pk=bulletin.pk).update(
        frozen={**bulletin.frozen, "title": "December\nBcc: everyone@example.org"}
    )

    send_all(bulletin)

    assert smtp_sink.recipients() == []
    failed = copies(bulletin)
    assert {copy.status for copy in failed} == {Email.Status.FAILED}, (
        "nothing reached the server, so nothing is in doubt"
    )
    assert all("BadHeaderError" in copy.error for copy in failed)
    assert all(copy.attempts == 1 for copy in failed)


def test_a_dead_workers_claim_is_resumed_by_the_sweep_without_a_second_copy(
    bulletin, smtp_sink, settings
):
    subscribe(*MemberFactory.create_batch(4))
    services.bulletin_send(bulletin=bulletin)
    first, second, *rest = copies(bulletin).order_by("pk")
    # A worker claimed a batch, handed the first to the server and was killed before marking
    # it sent; it never reached the second.
    claimed_at = timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT + 1)
    copies(bulletin).filter(pk__in=[first.pk, second.pk]).update(
        status=Email.Status.SENDING, claim=uuid.uuid4(), claimed_at=claimed_at
    )
    copies(bulletin).filter(pk=first.pk).update(handed_over_at=claimed_at)

    sweep_outbox()  # queues batches after commit; here we run them ourselves
    send_all(bulletin)
    sweep_bulletins()

    first.refresh_from_db()
    assert first.status == Email.Status.IN_DOUBT
    assert sorted(smtp_sink.recipients()) == sorted(c.recipient.email for c in [second, *rest])
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert (progress(bulletin)["in_doubt"], progress(bulletin)["failed"]) == (1, 0)


def test_a_claim_that_is_still_alive_is_left_alone(bulletin, smtp_sink, settings):
    """A slow batch renews its claim before each message: the sweep must not take it over."""
    subscribe(*MemberFactory.create_batch(2))
    services.bulletin_send(bulletin=bulletin)
    old = timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT + 1)
    first, second = copies(bulletin).order_by("pk")
    claim = uuid.uuid4()
    copies().filter(pk=first.pk).update(status=Email.Status.SENDING, claim=claim, claimed_at=old)
    copies().filter(pk=second.pk).update(
        status=Email.Status.SENDING, claim=claim, claimed_at=timezone.now()
    )

    assert sweep_outbox() == {"in_doubt": 0, "resumed": 0, "failed": 0, "lost": 0}
    assert copies().filter(status=Email.Status.SENDING).count() == 2
    sweep_bulletins()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING


def test_a_batch_whose_rows_another_batch_claimed_sends_nothing(bulletin, smtp_sink):
    subscribe(*MemberFactory.create_batch(2))
    services.bulletin_send(bulletin=bulletin)
    ids = list(copies().order_by("pk").values_list("pk", flat=True))
    # Another batch claimed these rows after this task was queued.
    copies().update(status=Email.Status.SENDING, claim=uuid.uuid4(), claimed_at=timezone.now())

    assert str(outbox.send(ids)) == "nothing to send"
    assert smtp_sink.recipients() == []


def test_curators_see_progress_and_retry_failed_copies(client, curator, bulletin, smtp_sink):
    subscribe(*MemberFactory.create_batch(2))
    services.bulletin_send(bulletin=bulletin)
    failed = copies().first()
    copies().filter(pk=failed.pk).update(status=Email.Status.FAILED, error="Refused")
    client.force_login(curator)

    progress = client.get(reverse("bulletins:progress", args=[bulletin.slug])).content.decode()
    assert '<span data-progress="failed">1</span> failed' in progress
    assert 'hx-trigger="every 2s"' in progress

    client.post(reverse("bulletins:retry", args=[bulletin.slug]))
    send_all(bulletin)

    progress = client.get(reverse("bulletins:progress", args=[bulletin.slug])).content.decode()
    assert '<span data-progress="sent">2</span> sent' in progress
    assert "hx-trigger" not in progress
    assert len(smtp_sink.recipients()) == 2


def test_copies_in_doubt_are_sent_again_only_when_the_curator_asks(
    client, curator, bulletin, smtp_sink
):
    doubtful, refused, fine = subscribe(*MemberFactory.create_batch(3))
    services.bulletin_send(bulletin=bulletin)
    copies().filter(recipient=doubtful).update(
        status=Email.Status.IN_DOUBT, error="Interrupted while sending: it may have arrived."
    )
    copies().filter(recipient=refused).update(status=Email.Status.FAILED, error="Refused")
    send_all(bulletin)
    client.force_login(curator)
    progress_url = reverse("bulletins:progress", args=[bulletin.slug])

    panel = client.get(progress_url).content.decode()
    assert '<span data-progress="failed">1</span> failed' in panel
    assert "Sending was interrupted for 1 member while their copy was being handed over" in panel
    assert "Send to 1 again anyway" in panel
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT

    answer = client.post(reverse("bulletins:retry", args=[bulletin.slug]), follow=True)
    assert "Trying again for 1 member." in answer.content.decode()
    send_all(bulletin)
    assert smtp_sink.recipients() == [fine.email, refused.email]

    client.post(reverse("bulletins:retry", args=[bulletin.slug]), {"in_doubt": "1"})
    send_all(bulletin)
    assert smtp_sink.recipients() == [fine.email, refused.email, doubtful.email]
    panel = client.get(progress_url).content.decode()
    assert '<span data-progress="sent">3</span> sent' in panel
    assert "Sending was interrupted" not in panel
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT


def test_a_scheduled_bulletin_goes_when_due(client, curator, bulletin):
    subscribe(MemberFactory())
    client.force_login(curator)
    send_at = timezone.localtime() + timedelta(days=1)

    client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {
            "when": "later",
            "send_at": send_at.strftime("%Y-%m-%dT%H:%M"),
            "confirmed": "yes",
            "audience": fingerprint(bulletin),
        },
    )
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SCHEDULED
    sweep_bulletins()
    assert not copies().exists()

    Bulletin.objects.filter(pk=bulletin.pk).update(
        scheduled_for=timezone.now() - timedelta(minutes=1)
    )
    sweep_bulletins()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING
    assert copies().count() == 1


def test_the_sweep_marks_sent_a_bulletin_whose_copies_are_all_done(bulletin):
    subscribe(*MemberFactory.create_batch(2))
    services.bulletin_send(bulletin=bulletin)
    # The last batch went out, but its worker stopped before it could say so.
    copies(bulletin).update(status=Email.Status.SENT, sent_at=timezone.now())

    assert sweep_bulletins() == {"started": 0, "finished": 1}
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT and bulletin.finished_at is not None


def test_a_bulletin_with_no_subscribers_is_sent_at_once(client, curator, bulletin):
    client.force_login(curator)

    answer = client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
    )

    assert answer.status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert (
        "The bulletin is on its way to 0 members."
        in client.get(bulletin.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    ("send_at", "message"),
    [
        ("", "Enter when to send it."),
        ("2020-01-01T09:00", "Choose a time in the future."),
        ("soon", "Enter a real date and time"),
    ],
)
def test_a_bad_schedule_gets_a_message_and_sends_nothing(
    client, curator, bulletin, send_at, message
):
    client.force_login(curator)

    response = client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "later", "send_at": send_at},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


# --- the archive ----------------------------------------------------------------------------


def test_the_archive_hides_members_only_parts_from_visitors(client, member, curator):
    bulletin = make_bulletin(author=curator)
    add_section(
        bulletin,
        "Open to all",
        resources=[
            make_resource("Public tool"),
            make_resource("Members' tool", audience=Resource.Audience.MEMBERS),
        ],
    )
    add_section(bulletin, "For members", text="Inside news.", members_only=True, position=2)
    services.bulletin_send(bulletin=bulletin)

    visitor_page = client.get(bulletin.get_absolute_url()).content.decode()
    client.force_login(member)
    member_page = client.get(bulletin.get_absolute_url()).content.decode()

    assert "Public tool" in visitor_page
    assert "Members&#x27; tool" not in visitor_page and "For members" not in visitor_page
    assert "Members&#x27; tool" in member_page and "Inside news." in member_page
    assert bulletin.title in client.get("/bulletins/").content.decode()


def test_the_home_page_shows_the_latest_bulletin(client, curator, bulletin):
    services.bulletin_send(bulletin=bulletin)

    assert "eBulletin: December 2026" in client.get("/").content.decode()


# --- subscribing and unsubscribing ----------------------------------------------------------


def test_unsubscribe_by_post_needs_no_session_and_no_csrf_token(member):
    (reader,) = subscribe(member)
    token = profile_for(reader).bulletin_token
    mail_program = Client(enforce_csrf_checks=True)

    response = mail_program.post(
        f"/bulletins/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert not profile_for(reader).__class__.objects.get(member=reader).receives_bulletin


def test_opening_the_unsubscribe_link_only_asks(client, member):
    (reader,) = subscribe(member)
    token = profile_for(reader).bulletin_token

    response = client.get(f"/bulletins/unsubscribe/{token}/")

    assert "Stop sending me the eBulletin" in response.content.decode()
    assert type(profile_for(reader)).objects.get(member=reader).receives_bulletin


def test_a_forwarded_unsubscribe_link_shows_only_a_hint_of_the_address(client, member):
    """Whoever holds a forwarded bulletin's link sees enough for its owner to recognise the
    address, not the address itself."""
    (reader,) = subscribe(member)
    link = f"/bulletins/unsubscribe/{profile_for(reader).bulletin_token}/"

    asked = client.get(link).content.decode()
    stopped = client.post(link).content.decode()
    again = client.get(link).content.decode()

    for page in (asked, stopped, again):
        assert "m•••@example.org" in page
        assert "morag.campbell" not in page


@pytest.mark.parametrize("token", ["not-a-token", "x" * 80])
def test_a_bad_unsubscribe_token_gets_a_helpful_page(client, token):
    response = client.post(f"/bulletins/unsubscribe/{token}/")

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_the_data_export_lists_the_bulletins_sent_to_the_member(client, member, bulletin):
    subscribe(member)
    services.bulletin_send(bulletin=bulletin)
    client.force_login(member)

    export = client.get("/members/me/export/").json()["bulletins"]

    assert export == {"sent_to_me": [{"bulletin": "eBulletin: December 2026", "status": "pending"}]}


def test_the_token_of_a_closed_account_no_longer_works(client, member):
    (reader,) = subscribe(member)
    old_token = profile_for(reader).bulletin_token
    member_erase(reader)

    response = client.post(f"/bulletins/unsubscribe/{old_token}/")

    assert response.status_code == 404


def test_members_choose_in_their_preferences(client, member):
    client.force_login(member)

    client.post(
        "/members/me/preferences/",
        {
            "email_notifications": "on",
            "receives_bulletin": "on",
            "email_visibility": "members",
            "visibility": "members",
            "show_events": "on",
        },
    )

    assert profile_for(member).__class__.objects.get(member=member).receives_bulletin


@pytest.mark.parametrize(("setting", "ticked"), [(False, False), (True, True)])
def test_new_members_are_subscribed_as_the_admin_configures(client, settings, setting, ticked):
    settings.BULLETIN_SUBSCRIBE_NEW_MEMBERS = setting

    page = client.get("/accounts/signup/").content.decode()

    checkbox = re.search(r'<input type="checkbox" name="receives_bulletin"[^>]*>', page).group()
    assert (" checked" in checkbox) is ticked


def test_a_date_with_send_it_now_is_questioned_not_ignored(client, curator, bulletin):
    subscribe(MemberFactory())
    client.force_login(curator)

    response = client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {
            "when": "now",
            "send_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 400
    assert "You chose to send it now but also gave a date" in response.content.decode()
    assert not copies().exists()


def test_a_time_the_clocks_skip_gets_a_plain_message(client, curator, bulletin):
    client.force_login(curator)

    response = client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "later", "send_at": "2027-03-28T01:30"},
    )

    assert "The clocks change at that time" in response.content.decode()


def test_an_empty_bulletin_cannot_be_scheduled(client, curator):
    empty = make_bulletin("Nothing yet", author=curator, introduction="")
    client.force_login(curator)

    client.post(
        reverse("bulletins:send", args=[empty.slug]),
        {
            "when": "later",
            "send_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "confirmed": "yes",
            "audience": fingerprint(empty),
        },
    )

    empty.refresh_from_db()
    assert empty.status == Bulletin.Status.DRAFT


def test_a_nul_byte_in_an_unsubscribe_link_is_just_a_bad_link(client):
    response = client.get("/bulletins/unsubscribe/%00/")

    assert response.status_code == 404


def test_admins_find_a_bulletins_copies_in_the_outbox(client, admin_member, curator, bulletin):
    readers = subscribe(MemberFactory(name="Rhona Reid"), MemberFactory(name="Ross Kerr"))
    services.bulletin_test_send(bulletin=bulletin, curator=curator)
    services.bulletin_send(bulletin=bulletin)
    client.force_login(admin_member)

    page = client.get(reverse("admin:bulletins_bulletin_change", args=[bulletin.pk]))
    link = re.search(r'<a href="([^"]+)">2 in the outbox</a>', page.content.decode()).group(1)
    listed = client.get(link.replace("&amp;", "&")).content.decode()

    assert all(reader.name in listed for reader in readers)
    assert re.search(r'<p class="paginator">\s*2 outbox', listed), "two rows, the bulletin's"


def test_the_plain_text_e_mail_shows_words_not_markdown(client, curator, smtp_sink):
    bulletin = make_bulletin(
        author=curator,
        introduction="Welcome to the **eBulletin**. Read [the guide](https://example.org/guide).",
    )
    add_section(
        bulletin,
        text="Three things:\n\n- *one*\n- two",
        resources=[make_resource(summary="A **run chart** tool.\n\n- plots\n- annotates")],
    )
    subscribe(MemberFactory())
    client.force_login(curator)

    client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
    )
    send_all(bulletin)

    body = smtp_sink.messages()[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Welcome to the eBulletin. Read the guide (https://example.org/guide)." in body
    assert "- one\n- two" in body
    assert "A run chart tool. plots; annotates." in body
    assert "*" not in body.replace("\n* ", "\n")  # entries' bullets are the only stars
