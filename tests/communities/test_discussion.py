import pytest
from django.urls import reverse

from communities.models import Post, Report, Thread, ThreadSubscription
from communities.services import reply_create, thread_start
from members.models import Notification
from tests.communities.conftest import join
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def thread_url(thread, **query):
    url = reverse("communities:thread", args=[thread.community.slug, thread.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def action_url(thread, action):
    return reverse("communities:thread_action", args=[thread.community.slug, thread.pk, action])


def post_action_url(post, action):
    return reverse("communities:post_action", args=[post.thread.community.slug, post.pk, action])


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# --- reading --------------------------------------------------------------------------------


def test_outsiders_cannot_read_a_closed_communitys_threads(client, closed_thread, stranger):
    assert client.get(thread_url(closed_thread)).status_code == 404
    client.force_login(stranger)
    assert client.get(thread_url(closed_thread)).status_code == 404
    assert (
        client.get(reverse("communities:members", args=[closed_thread.community.slug])).status_code
        == 404
    )
    community_page = client.get(closed_thread.community.get_absolute_url()).content.decode()
    assert "Coaching a reluctant team" not in community_page


def test_any_member_of_the_network_reads_an_open_community(
    client, open_community, participant, stranger
):
    thread = thread_start(
        community=open_community,
        author=participant,
        title="Huddles",
        body="Who runs daily huddles?",
    )
    client.force_login(stranger)

    page = client.get(thread_url(thread)).content.decode()

    assert "Who runs daily huddles?" in page
    assert "Join the community to reply</button>" in page


# --- posting --------------------------------------------------------------------------------


def test_a_member_starts_a_thread_and_others_reply(client, open_community, participant, moderator):
    client.force_login(participant)
    response = client.post(
        reverse("communities:thread_new", args=[open_community.slug]),
        {"title": "Frailty screening tools", "body": "Which **tool** works?"},
    )
    thread = Thread.objects.get()
    assert response["Location"] == thread.get_absolute_url()

    client.force_login(moderator)
    client.post(thread_url(thread), {"body": "We use the Clinical Frailty Scale."})

    page = client.get(thread_url(thread)).content.decode()
    assert "Which <strong>tool</strong> works?" in page
    assert "We use the Clinical Frailty Scale." in page
    thread.refresh_from_db()
    assert thread.post_count == 2


@pytest.mark.parametrize(
    ("title", "body", "field"), [("", "Text", "title"), ("Title", "   ", "body")]
)
def test_an_empty_thread_gets_a_message_and_is_not_made(
    client, open_community, participant, title, body, field
):
    client.force_login(participant)

    response = client.post(
        reverse("communities:thread_new", args=[open_community.slug]),
        {"title": title, "body": body},
    )

    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Thread.objects.exists()


def test_non_members_cannot_post(client, open_community, participant, stranger):
    thread = thread_start(community=open_community, author=participant, title="T", body="B")
    client.force_login(stranger)

    response = client.post(thread_url(thread), {"body": "Let me in"}, follow=True)

    assert "Join the community to reply." in messages_of(response)
    assert Post.objects.count() == 1


def test_a_locked_thread_takes_no_replies(client, closed_thread, participant, moderator):
    client.force_login(moderator)
    client.post(action_url(closed_thread, "lock"))
    client.force_login(participant)

    response = client.post(thread_url(closed_thread), {"body": "One more thing"}, follow=True)

    assert "This thread is locked: no more replies can be added." in messages_of(response)
    assert closed_thread.posts.count() == 2


def test_posts_are_rendered_through_the_sanitiser(client, open_community, participant):
    thread = thread_start(
        community=open_community,
        author=participant,
        title="XSS",
        body='<script>alert(1)</script>[x](javascript:alert(2)) <b onmouseover="a()">b</b>',
    )
    client.force_login(participant)

    page = client.get(thread_url(thread)).content.decode()

    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page
    # HTML typed in keeps its words, never an attribute or a tag the allow-list lacks.
    assert "onmouseover" not in page and "<b " not in page


# --- mentions and following -----------------------------------------------------------------


def test_a_mention_notifies_the_member_and_links_to_them(
    client, open_community, participant, moderator
):
    thread = thread_start(
        community=open_community, author=participant, title="Huddles", body="Ideas?"
    )
    reply_create(thread=thread, author=moderator, body="@pat-participant runs a good one.")

    told = Notification.objects.get(recipient=participant, kind="mention")
    assert "Moira Moderator mentioned you" in told.text
    client.force_login(participant)
    page = client.get(thread_url(thread)).content.decode()
    assert (
        '<a href="/members/pat-participant/" rel="nofollow noopener noreferrer">@Pat Participant</a>'
        in page
    )
    assert not Notification.objects.filter(recipient=participant, kind="reply").exists(), (
        "one notification for one post"
    )


def test_mentioning_someone_outside_a_closed_community_tells_them_nothing(
    closed_thread, moderator, stranger
):
    reply_create(thread=closed_thread, author=moderator, body="Ask @stan-stranger about this.")

    assert not Notification.objects.filter(recipient=stranger).exists()


def test_followers_hear_of_replies_and_muters_do_not(client, closed_thread, participant, moderator):
    third = ProfileFactory(member__name="Tess Third").member
    join(closed_thread.community, third)
    ThreadSubscription.objects.create(thread=closed_thread, member=third, state="following")
    client.force_login(participant)
    client.post(action_url(closed_thread, "mute"))
    Notification.objects.all().delete()

    reply_create(thread=closed_thread, author=moderator, body="Another idea.")

    assert Notification.objects.filter(recipient=third, kind="reply").count() == 1
    assert not Notification.objects.filter(recipient=participant, kind="reply").exists()


# --- answers --------------------------------------------------------------------------------


def test_whoever_asked_marks_a_reply_as_the_answer(client, closed_thread, participant, moderator):
    answer = closed_thread.posts.last()
    third = ProfileFactory(member__name="Tess Third").member
    join(closed_thread.community, third)

    client.force_login(third)
    response = client.post(post_action_url(answer, "answer"), follow=True)
    assert "Only whoever asked" in messages_of(response)
    client.force_login(participant)
    client.post(post_action_url(answer, "answer"))

    closed_thread.refresh_from_db()
    assert closed_thread.answer == answer
    assert "Answered" in client.get(closed_thread.community.get_absolute_url()).content.decode()


# --- moderation -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["pin", "lock"])
def test_only_moderators_pin_and_lock(
    client, closed_thread, participant, stranger, moderator, action
):
    client.force_login(participant)
    assert client.post(action_url(closed_thread, action)).status_code == 403
    client.force_login(stranger)
    assert client.post(action_url(closed_thread, action)).status_code == 404
    closed_thread.refresh_from_db()
    assert not getattr(closed_thread, "pinned" if action == "pin" else "locked")

    client.force_login(moderator)
    client.post(action_url(closed_thread, action))
    closed_thread.refresh_from_db()
    assert getattr(closed_thread, "pinned" if action == "pin" else "locked")


def test_a_hidden_post_is_gone_for_members_and_kept_for_moderators(
    client, closed_thread, participant, moderator
):
    post = closed_thread.posts.last()
    client.force_login(participant)
    assert client.post(post_action_url(post, "hide")).status_code == 403

    client.force_login(moderator)
    client.post(post_action_url(post, "hide"))

    assert "Listen first." in client.get(thread_url(closed_thread)).content.decode()
    client.force_login(participant)
    assert "Listen first." not in client.get(thread_url(closed_thread)).content.decode()


def test_a_removed_post_leaves_a_note_in_its_place(client, closed_thread, moderator, participant):
    post = closed_thread.posts.last()
    client.force_login(moderator)
    client.post(post_action_url(post, "remove"))
    client.force_login(participant)

    page = client.get(thread_url(closed_thread)).content.decode()

    assert "Listen first." not in page
    assert "This post was removed by a moderator." in page


def test_removing_a_post_asks_on_a_page_of_its_own_first(client, closed_thread, moderator):
    post = closed_thread.posts.last()
    client.force_login(moderator)

    thread_page = client.get(thread_url(closed_thread)).content.decode()
    question = client.get(post_action_url(post, "remove")).content.decode()
    post.refresh_from_db()

    assert f'href="{post_action_url(post, "remove")}"' in thread_page
    assert "Are you sure you want to remove the post by" in question
    assert "Yes, remove the post" in question
    assert post.state == post.State.VISIBLE
    # Hiding and marking stay buttons: nothing happens on merely opening their address.
    assert client.get(post_action_url(post, "hide")).status_code == 405
    client.post(post_action_url(post, "remove"))
    post.refresh_from_db()
    assert post.state == post.State.REMOVED


def test_a_member_reports_a_post_once_and_moderators_are_told(
    client, closed_thread, participant, moderator
):
    post = closed_thread.posts.last()
    report_url = reverse("communities:report", args=[closed_thread.community.slug, post.pk])
    client.force_login(participant)

    empty = client.post(report_url, {"reason": " "})
    assert 'id="id_reason_error"' in empty.content.decode()
    client.post(report_url, {"reason": "This shares a patient's details."})
    again = client.post(report_url, {"reason": "Again"})
    assert "already reported" in again.content.decode()

    assert Report.objects.count() == 1
    assert Notification.objects.filter(recipient=moderator, kind="report").exists()
    client.force_login(moderator)
    reports = client.get(reverse("communities:reports", args=[closed_thread.community.slug]))
    assert "This shares a patient&#x27;s details." in reports.content.decode()


def test_outsiders_cannot_report_or_see_reports(client, closed_thread, stranger, participant):
    post = closed_thread.posts.last()
    client.force_login(stranger)
    assert (
        client.post(
            reverse("communities:report", args=[closed_thread.community.slug, post.pk]),
            {"reason": "x"},
        ).status_code
        == 404
    )
    client.force_login(participant)
    assert (
        client.get(reverse("communities:reports", args=[closed_thread.community.slug])).status_code
        == 403
    )


# --- long threads ---------------------------------------------------------------------------


def test_a_long_thread_pages_and_keeps_its_query_count(
    client, closed_thread, participant, django_assert_num_queries
):
    client.force_login(participant)
    with django_assert_num_queries(10):
        client.get(thread_url(closed_thread))
    for number in range(60):
        author = ProfileFactory().member
        join(closed_thread.community, author)
        reply_create(thread=closed_thread, author=author, body=f"Reply number {number}")
    with django_assert_num_queries(10):
        response = client.get(thread_url(closed_thread))
    assert len(response.context["posts"].object_list) == 25

    last = client.get(thread_url(closed_thread, page="last")).content.decode()
    assert "Reply number 59" in last
    assert "Reply number 0<" not in last
