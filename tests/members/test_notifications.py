from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from members.models import Notification
from members.services import notify
from members.tasks import send_notification_email, sweep_notification_emails
from network.celery import app as celery_app

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
    assert send_notification_email(told.pk) == "sent"
    assert send_notification_email(told.pk) == "already handled"

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["morag.campbell@example.org"]
    assert "Iona replied to your thread" in email.subject
    assert "http://127.0.0.1:8000/communities/frailty/threads/1/" in email.body
    assert "/members/me/preferences/" in email.body
    assert Notification.objects.get().email_status == Notification.Email.SENT


def test_a_member_who_turned_emails_off_gets_none(
    owner, mailoutbox, django_capture_on_commit_callbacks
):
    owner.email_notifications = False
    owner.save()

    with django_capture_on_commit_callbacks() as enqueued:
        notification = notify(member=owner.member, kind="reply", message="A reply")

    assert enqueued == []
    assert notification.email_status == Notification.Email.SKIPPED
    assert send_notification_email(notification.pk) == "already handled"
    assert mailoutbox == []


def test_the_sweep_sends_what_the_queue_lost(owner, told, mailoutbox):
    Notification.objects.filter(pk=told.pk).update(created_at=timezone.now() - timedelta(hours=1))
    fresh = notify(member=owner.member, kind="reply", message="Too new to sweep")

    try:
        assert sweep_notification_emails() == 1
    finally:
        celery_app.control.purge()
    assert Notification.objects.get(pk=fresh.pk).email_status == Notification.Email.PENDING


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

    # apply() runs the task here with its retries, one after another, as a worker would.
    result = send_notification_email.apply(args=[told.pk])

    assert result.get() == "failed"
    told.refresh_from_db()
    assert told.email_status == Notification.Email.FAILED
    assert told.email_attempts == 5


def test_a_message_that_cannot_be_built_fails_at_once_without_retries(owner, told, mailoutbox):
    # A line break in the subject, as notifications made before titles were one line had.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_notification SET message = %s WHERE id = %s",
            ["Iona shared a story of change: Fewer falls\r\nBcc: everyone@example.org", told.pk],
        )

    result = send_notification_email.apply(args=[told.pk])

    assert result.get() == "failed"
    told.refresh_from_db()
    assert told.email_status == Notification.Email.FAILED
    assert told.email_attempts == 1, "tried once: no retry can mend it"
    assert mailoutbox == []


def test_no_email_goes_to_a_member_who_opted_out_after_the_notification(owner, told, mailoutbox):
    owner.email_notifications = False
    owner.save()

    assert send_notification_email(told.pk) == "not wanted"
    assert mailoutbox == []
