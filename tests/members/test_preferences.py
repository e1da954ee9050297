import pytest
from django.urls import reverse

from members.models import Profile

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("members:preferences")


def test_a_member_chooses_who_sees_their_profile_and_email(client, owner):
    client.force_login(owner.member)

    response = client.post(
        PREFERENCES,
        {
            "email_visibility": "nobody",
            "visibility": "public",
            "show_events": "",
            "email_notifications": "on",
        },
        follow=True,
    )

    assert "Your preferences have been saved." in response.content.decode()
    owner.refresh_from_db()
    assert owner.email_visibility == Profile.EmailVisibility.NOBODY
    assert owner.visibility == Profile.Visibility.PUBLIC
    assert not owner.show_events
    assert owner.email_notifications


def test_the_choices_are_radio_groups_with_legends(client, owner):
    client.force_login(owner.member)

    page = client.get(PREFERENCES).content.decode()

    assert "<legend>Who can see my e-mail address</legend>" in page
    assert 'type="radio" class="ds_radio__input" name="visibility" value="public"' in page


def test_an_unknown_choice_gets_a_message_and_changes_nothing(client, owner):
    client.force_login(owner.member)

    response = client.post(PREFERENCES, {"email_visibility": "everyone", "visibility": "public"})

    page = response.content.decode()
    assert 'id="id_email_visibility_error"' in page
    assert 'href="#id_email_visibility_0"' in page
    assert 'id="id_email_visibility_0"' in page
    owner.refresh_from_db()
    assert owner.visibility == Profile.Visibility.MEMBERS
