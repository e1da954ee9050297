import pytest
from django.db import connection
from django.urls import reverse

from base import outbox
from base.models import Email
from members.models import Notification
from members.services import NOTIFICATION_EMAIL, notify
from tests.mail import send_queued

pytestmark = pytest.mark.django_db

NOTIFICATIONS = reverse("members:notifications")


@pytest.fixture
def told(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as enqueued:
        notification = notify(
            member=owner.member,
            kind="reply",
            message="Iona replied to your thread on frailty huddles",
            url="/communities/frailty/threads/1/",
        )
    assert len(enqueued) == 1, "the e-mail is queued once the change commits"
    return notification


def test_a_notification_shows_in_the_list_with_an_unread_count_in_the_header(client, owner, told):
    client.force_login(owner.member)

    page = client.get(NOTIFICATIONS).content.decode()

    assert 'data-testid="unread-count">1<' in page
    assert "Iona replied to your thread on frailty huddles" in page
    assert 'href="/communities/frailty/threads/1/"' in page


def test_marking_all_as_read_clears_the_count(client, owner, told):
    client.force_login(owner.member)

    client.post(reverse("members:notifications_read"))

    assert 'data-testid="unread-count"' not in client.get(NOTIFICATIONS).content.decode()
    assert Notification.objects.get().read_at is not None


def test_the_email_is_sent_once_however_often_the_task_runs(owner, told, mailoutbox):
    (email,) = Email.objects.filter(kind=NOTIFICATION_EMAIL, about_id=told.pk)

    assert str(outbox.send([email.pk])) == "1 sent"
    assert str(outbox.send([email.pk])) == "nothing to send"

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["morag.campbell@example.org"]
    assert "Iona replied to your thread" in message.subject
    assert "http://127.0.0.1:8000/communities/frailty/threads/1/" in message.body
    assert "/members/me/preferences/" in message.body
    assert message.extra_headers["Message-ID"] == f"<email-{email.pk}@127.0.0.1>"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Email.Status.SENT, 1)


def test_a_member_who_turned_emails_off_gets_none(
    owner, mailoutbox, django_capture_on_commit_callbacks
):
    owner.email_notifications = False
    owner.save()

    with django_capture_on_commit_callbacks() as enqueued:
        notify(member=owner.member, kind="reply", message="A reply")

    assert enqueued == []
    assert not Email.objects.exists()
    assert mailoutbox == []


def test_a_member_sees_only_their_own_notifications(client, owner, told, outsider):
    client.force_login(outsider)

    page = client.get(NOTIFICATIONS).content.decode()

    assert "Iona replied" not in page


def test_the_list_uses_the_same_queries_for_few_or_many(client, owner, django_assert_num_queries):
    client.force_login(owner.member)
    Notification.objects.create(recipient=owner.member, kind="x", message="one")
    with django_assert_num_queries(5):
        client.get(NOTIFICATIONS)
    Notification.objects.bulk_create(
        Notification(recipient=owner.member, kind="x", message=f"note {n}") for n in range(60)
    )
    with django_assert_num_queries(5):
        response = client.get(NOTIFICATIONS)
    assert len(response.context["page"].object_list) == 25


def test_an_unreachable_mail_server_is_retried_then_given_up_on(owner, told, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    (email,) = Email.objects.filter(about_id=told.pk)

    waits = []
    for _ in range(outbox.MAX_ATTEMPTS):
        waits.append(send_queued().retry_in)
        # The wait has passed.
        Email.objects.filter(pk=email.pk).update(not_before=email.created_at)

    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert email.attempts == outbox.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in email.error
    assert waits == [60, 120, 240, 480, None], "each wait twice the last, then given up"


def test_a_message_that_cannot_be_built_fails_at_once_without_retries(owner, told, mailoutbox):
    # A line break in the subject, as notifications made before titles were one line had.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_notification SET message = %s WHERE id = %s",
            ["Iona shared a story of change: Fewer falls\r\nBcc: everyone@example.org", told.pk],
        )

    batch = send_queued()

    assert str(batch) == "1 failed" and batch.retry_in is None
    email = Email.objects.get(about_id=told.pk)
    assert email.status == Email.Status.FAILED
    assert email.attempts == 1, "tried once: no retry can mend it"
    assert mailoutbox == []


def test_no_email_goes_to_a_member_who_opted_out_after_the_notification(owner, told, mailoutbox):
    owner.email_notifications = False
    owner.save()

    assert str(send_queued()) == "1 skipped"
    assert mailoutbox == []
    assert Email.objects.get(about_id=told.pk).status == Email.Status.SKIPPED
