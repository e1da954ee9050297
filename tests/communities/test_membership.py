from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Invitation, JoinRequest, Membership
from communities.services import FOUNDERS
from members.models import Notification
from tests.factories import ProfileFactory
from tests.mail import send_queued

pytestmark = pytest.mark.django_db


def url(name, community, *args):
    return reverse(f"communities:{name}", args=[community.slug, *args])


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# --- seeing -------------------------------------------------------------------------------


def test_a_secret_community_does_not_exist_for_outsiders(client, secret_community, stranger):
    for viewer in (None, stranger):
        if viewer:
            client.force_login(viewer)
        assert client.get(url("detail", secret_community)).status_code == 404
        assert client.post(url("join", secret_community)).status_code in (302, 404)
    assert not Membership.objects.filter(member=stranger).exists()


def test_the_purpose_statement_leads_the_community_page(client, open_community, stranger):
    client.force_login(stranger)

    page = client.get(url("detail", open_community)).content.decode()

    assert page.index("Our purpose") < page.index("Discussions")
    assert "sharing what works, together." in page


# --- joining ------------------------------------------------------------------------------


def test_anyone_joins_an_open_community_at_once_but_only_once(client, open_community, stranger):
    client.force_login(stranger)

    client.post(url("join", open_community))
    response = client.post(url("join", open_community), follow=True)

    assert Membership.objects.filter(community=open_community, member=stranger).count() == 1
    assert "already a member" in messages_of(response)


@pytest.mark.parametrize(
    "next_page, lands_on",
    [
        ("/communities/frailty-improvement-network/threads/1/", "the page asked for"),
        ("https://elsewhere.example.org/", "the community"),
        ("//elsewhere.example.org/", "the community"),
    ],
)
def test_joining_returns_to_a_page_of_this_site_only(
    client, open_community, stranger, next_page, lands_on
):
    client.force_login(stranger)

    response = client.post(url("join", open_community), {"next": next_page})

    expected = next_page if lands_on == "the page asked for" else open_community.get_absolute_url()
    assert response["Location"] == expected
    assert Membership.objects.filter(community=open_community, member=stranger).exists()


def test_a_request_from_a_thread_returns_there_and_says_it_waits(
    client, closed_community, stranger
):
    client.force_login(stranger)
    thread_page = "/communities/frailty-improvement-network/threads/1/"

    form = client.get(url("detail", closed_community), {"next": thread_page}).content.decode()
    response = client.post(
        url("join", closed_community), {"reason": "I coach in Fife.", "next": thread_page}
    )

    assert f'name="next" value="{thread_page}"' in form
    assert response["Location"] == thread_page
    assert JoinRequest.objects.filter(member=stranger, status="pending").exists()


def test_a_closed_community_takes_a_request_with_a_reason(
    client, closed_community, stranger, moderator
):
    client.force_login(stranger)

    empty = client.post(url("join", closed_community), {"reason": "  "})
    assert 'id="id_reason_error"' in empty.content.decode()
    assert not JoinRequest.objects.exists()

    client.post(url("join", closed_community), {"reason": "I coach two ward teams in Fife."})
    again = client.post(url("join", closed_community), {"reason": "Please"}, follow=True)

    assert JoinRequest.objects.get().reason == "I coach two ward teams in Fife."
    assert "already asked to join" in messages_of(again)
    assert not Membership.objects.filter(community=closed_community, member=stranger).exists()
    assert Notification.objects.filter(recipient=moderator, kind="join_request").exists()


@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_a_moderator_decides_and_the_requester_is_told(
    client, closed_community, stranger, moderator, decision
):
    client.force_login(stranger)
    client.post(url("join", closed_community), {"reason": "I coach teams."})
    join_request = JoinRequest.objects.get()
    client.force_login(moderator)

    client.post(
        url("requests", closed_community),
        {"request": join_request.pk, "decision": decision, "message": "See you there"},
    )

    is_member = Membership.objects.filter(community=closed_community, member=stranger).exists()
    assert is_member is (decision == "approve")
    told = Notification.objects.get(recipient=stranger, kind="join_decision")
    assert ("now a member" in told.message) is (decision == "approve")
    assert "See you there" in told.message


def test_only_moderators_act_on_requests(client, closed_community, stranger, participant):
    client.force_login(stranger)
    client.post(url("join", closed_community), {"reason": "I coach teams."})
    join_request = JoinRequest.objects.get()

    for intruder in (participant, stranger):
        client.force_login(intruder)
        assert client.get(url("requests", closed_community)).status_code == 403
        response = client.post(
            url("requests", closed_community), {"request": join_request.pk, "decision": "approve"}
        )
        assert response.status_code == 403
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_a_request_decided_once_cannot_be_decided_again(
    client, closed_community, stranger, moderator
):
    client.force_login(stranger)
    client.post(url("join", closed_community), {"reason": "I coach teams."})
    join_request = JoinRequest.objects.get()
    client.force_login(moderator)
    client.post(
        url("requests", closed_community), {"request": join_request.pk, "decision": "refuse"}
    )

    response = client.post(
        url("requests", closed_community),
        {"request": join_request.pk, "decision": "approve"},
        follow=True,
    )

    assert "already decided" in messages_of(response)
    assert not Membership.objects.filter(community=closed_community, member=stranger).exists()


# --- invitations to a secret community ------------------------------------------------------


def test_an_invitation_by_email_lets_that_person_join_a_secret_community(
    client, secret_community, moderator, stranger, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(url("invite", secret_community), {"email": stranger.email})
    assert len(queued) == 1
    invitation = Invitation.objects.get()
    assert [str(send_queued()) for _ in range(2)] == ["1 sent", "nothing to send"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [stranger.email]
    assert mailoutbox[0].subject == (
        f"[Improvement Network] You are invited to join {secret_community.name}"
    )
    assert (
        f"http://127.0.0.1:8000/communities/invitations/{invitation.token}/" in mailoutbox[0].body
    )

    client.force_login(stranger)
    client.post(reverse("communities:invitation", args=[invitation.token]))

    assert Membership.objects.filter(community=secret_community, member=stranger).exists()
    assert client.get(url("detail", secret_community)).status_code == 200


def test_an_invitation_works_once_for_its_address_and_expires(
    client, secret_community, moderator, stranger, participant
):
    invitation = Invitation.objects.create(
        community=secret_community, email=stranger.email, invited_by=moderator
    )
    accept = reverse("communities:invitation", args=[invitation.token])

    client.force_login(ProfileFactory(member__email="someone.else@example.org").member)
    response = client.post(accept, follow=True)
    assert f"sent to {stranger.email}" in messages_of(response)

    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(stranger)
    response = client.post(accept, follow=True)
    assert "expired" in messages_of(response)
    assert not Membership.objects.filter(community=secret_community, member=stranger).exists()


# --- leaving and moderators -----------------------------------------------------------------


def test_a_member_leaves_but_the_last_moderator_cannot(
    client, open_community, participant, moderator
):
    client.force_login(participant)
    client.post(url("leave", open_community))
    assert not Membership.objects.filter(community=open_community, member=participant).exists()

    client.force_login(moderator)
    response = client.post(url("leave", open_community), follow=True)
    assert "only moderator" in messages_of(response)
    assert Membership.objects.filter(community=open_community, member=moderator).exists()


def test_a_moderator_appoints_another_and_outsiders_cannot(
    client, open_community, participant, moderator, stranger
):
    appoint = url("moderator", open_community, participant.pk)
    client.force_login(stranger)
    assert client.post(appoint, {"appoint": "yes"}).status_code == 403
    client.force_login(participant)
    assert client.post(appoint, {"appoint": "yes"}).status_code == 403

    client.force_login(moderator)
    client.post(appoint, {"appoint": "yes"})

    membership = Membership.objects.get(community=open_community, member=participant)
    assert membership.is_moderator
    assert Notification.objects.filter(recipient=participant, kind="moderator").exists()


# --- creating -------------------------------------------------------------------------------


def test_a_coordinator_creates_a_community_and_becomes_its_moderator(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("communities:create"),
        {
            "name": "Falls Prevention Leads",
            "level": "national",
            "privacy": "closed",
            "purpose": "Leads for falls prevention sharing data, tools and what changed.",
        },
    )

    community = Community.objects.get(name="Falls Prevention Leads")
    assert response["Location"] == community.get_absolute_url()
    assert Membership.objects.get(community=community, member=coordinator).is_moderator


def test_members_create_communities_only_when_a_coordinator_allows_it(
    client, coordinator, stranger
):
    client.force_login(stranger)
    assert client.get(reverse("communities:create")).status_code == 403

    client.force_login(coordinator)
    client.post(reverse("communities:founder", args=[stranger.pk]), {"allowed": "yes"})
    assert stranger.groups.filter(name=FOUNDERS).exists()

    client.force_login(stranger)
    assert client.get(reverse("communities:create")).status_code == 200
    client.force_login(stranger)
    assert (
        client.post(
            reverse("communities:founder", args=[coordinator.pk]), {"allowed": "yes"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"purpose": "Too short"}, "purpose", "at least a sentence"),
        ({"name": "Frailty Improvement Network"}, "name", "already exists"),
        ({"privacy": "public"}, "privacy", "Select a valid choice"),
    ],
)
def test_bad_community_details_get_a_message_and_nothing_is_made(
    client, coordinator, open_community, fields, field, message
):
    client.force_login(coordinator)
    data = {
        "name": "Falls Leads",
        "level": "national",
        "privacy": "open",
        "purpose": "Leads for falls prevention sharing data and tools.",
        **fields,
    }

    response = client.post(reverse("communities:create"), data)

    assert f'id="id_{field}_error"' in response.content.decode()
    assert message in response.content.decode()
    assert Community.objects.count() == 1


def test_founders_group_exists_from_the_migrations():
    assert Group.objects.filter(name=FOUNDERS).exists()


def test_leaving_asks_on_a_page_of_its_own_and_only_its_button_leaves(
    client, closed_community, participant
):
    client.force_login(participant)

    page = client.get(url("leave", closed_community)).content.decode()

    assert f"Are you sure you want to leave {closed_community.name}?" in page
    assert "Yes, leave the community" in page
    assert "a moderator to let you in again" in page
    assert Membership.objects.filter(community=closed_community, member=participant).exists()
    client.post(url("leave", closed_community))
    assert not Membership.objects.filter(community=closed_community, member=participant).exists()


def test_the_only_moderator_is_told_to_choose_another_before_leaving(
    client, open_community, moderator
):
    client.force_login(moderator)

    page = client.get(url("leave", open_community)).content.decode()
    client.post(url("leave", open_community))

    assert f"You moderate {open_community.name} alone" in page
    assert "Yes, leave" not in page
    assert Membership.objects.filter(community=open_community, member=moderator).exists()
