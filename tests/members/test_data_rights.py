import json

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members import hooks
from members.models import FORMER_MEMBER, Notification, Profile, User
from members.services import notify
from tests.factories import PASSWORD, ProfileFactory
from tests.members.conftest import image_bytes

pytestmark = pytest.mark.django_db

EXPORT = reverse("members:export")
CLOSE = reverse("members:delete")


def test_a_member_downloads_everything_held_about_them(client, owner, outsider):
    notify(member=owner.member, kind="reply", message="A reply for Morag")
    notify(member=outsider, kind="reply", message="A reply for someone else")
    client.force_login(owner.member)

    response = client.get(EXPORT)

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="my-network-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == "morag.campbell@example.org"
    assert data["profile"]["job_title"] == "Frailty practitioner"
    assert data["profile"]["expertise"] == ["Frailty"]
    assert [note["message"] for note in data["notifications"]] == ["A reply for Morag"]
    assert "someone else" not in response.content.decode()


def test_each_app_adds_its_part_of_the_export(client, owner, monkeypatch):
    monkeypatch.setattr(hooks, "_exports", [("communities", lambda member: [{"name": "Frailty"}])])
    client.force_login(owner.member)

    assert json.loads(client.get(EXPORT).content)["communities"] == [{"name": "Frailty"}]


def test_visitors_cannot_export(client):
    assert client.get(EXPORT).status_code == 302


def test_a_wrong_password_closes_nothing(client, owner):
    client.force_login(owner.member)

    response = client.post(CLOSE, {"password": "not my password"})

    assert 'id="id_password_error"' in response.content.decode()
    owner.member.refresh_from_db()
    assert owner.member.is_active and owner.member.name == "Morag Campbell"


def test_closing_an_account_erases_personal_data_and_keeps_contributions_anonymous(
    client, owner, outsider, django_capture_on_commit_callbacks
):
    client.force_login(owner.member)
    client.post(
        reverse("members:edit"),
        {
            "name": "Morag Campbell",
            "job_title": "Frailty practitioner",
            "organisation": owner.organisation_id,
            "photo": SimpleUploadedFile("me.png", image_bytes()),
        },
    )
    owner.refresh_from_db()
    photo, storage = owner.photo.name, owner.photo.storage
    notify(member=owner.member, kind="reply", message="Something for Morag")
    member_id, slug = owner.member_id, owner.slug

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CLOSE, {"password": PASSWORD}, follow=True)

    assert "Your account is closed" in response.content.decode()
    assert 'data-testid="signed-in-name"' not in response.content.decode()
    former = User.objects.get(pk=member_id)
    assert former.display_name == FORMER_MEMBER
    assert former.name == "" and "morag" not in former.email
    assert not former.is_active and not former.has_usable_password()
    assert not Profile.objects.filter(member_id=member_id).exists()
    assert not Notification.objects.filter(recipient_id=member_id).exists()
    assert not EmailAddress.objects.filter(user_id=member_id).exists()
    assert not storage.exists(photo)

    client.force_login(outsider)
    assert client.get(reverse("members:profile", args=[slug])).status_code == 404
    found = client.get(reverse("members:directory"), {"q": "Morag"}).context["page"].object_list
    assert list(found) == []
    client.logout()
    client.post(
        reverse("account_login"), {"login": "morag.campbell@example.org", "password": PASSWORD}
    )
    assert 'data-testid="signed-in-name"' not in client.get(reverse("home")).content.decode()


def test_the_address_of_a_closed_account_can_join_again(client, owner):
    client.force_login(owner.member)
    client.post(CLOSE, {"password": PASSWORD})

    ProfileFactory(member__email="morag.campbell@example.org")


def test_a_closed_accounts_name_leaves_other_peoples_notifications(client, owner, outsider):
    notify(
        member=outsider,
        kind="reply",
        actor=owner.member,
        message="Morag Campbell replied to “Falls huddles”",
    )
    client.force_login(owner.member)

    client.post(CLOSE, {"password": PASSWORD})

    assert Notification.objects.get(recipient=outsider).message == (
        "a former member replied to “Falls huddles”"
    )


def test_an_export_with_dates_from_another_app_downloads(client, owner, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(hooks, "_exports", [("events", lambda member: {"at": timezone.now()})])
    client.force_login(owner.member)

    assert client.get(EXPORT).status_code == 200
