import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Profile
from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory
from tests.members.conftest import image_bytes

pytestmark = pytest.mark.django_db


def profile_url(profile) -> str:
    return reverse("members:profile", args=[profile.slug])


@pytest.fixture
def outsider_profile(db):
    return ProfileFactory(member__name="Oscar Outsider", slug="oscar-outsider")


def test_a_member_sees_a_colleagues_profile(client, owner, outsider_profile):
    owner.bio = "I lead the **frailty** huddle."
    owner.save()
    client.force_login(outsider_profile.member)

    page = client.get(profile_url(owner)).content.decode()

    assert "<h1" in page and "Morag Campbell" in page
    assert "Frailty practitioner, NHS Lothian" in page
    assert "<strong>frailty</strong>" in page
    assert "morag.campbell@example.org" in page


def test_a_members_only_profile_is_not_found_by_visitors(client, owner):
    assert owner.visibility == Profile.Visibility.MEMBERS

    assert client.get(profile_url(owner)).status_code == 404


def test_a_public_profile_is_seen_by_visitors_without_the_email(client, owner):
    owner.visibility = Profile.Visibility.PUBLIC
    owner.save()

    page = client.get(profile_url(owner)).content.decode()

    assert "Morag Campbell" in page
    assert "morag.campbell@example.org" not in page


def test_an_email_hidden_from_everyone_is_shown_only_to_its_owner(client, owner, outsider_profile):
    owner.email_visibility = Profile.EmailVisibility.NOBODY
    owner.save()

    client.force_login(outsider_profile.member)
    assert "morag.campbell@example.org" not in client.get(profile_url(owner)).content.decode()
    client.force_login(owner.member)
    assert "morag.campbell@example.org" in client.get(profile_url(owner)).content.decode()


def test_a_bio_is_rendered_through_the_sanitiser(client, owner, outsider_profile):
    owner.bio = (
        '<script>alert("x")</script> [click](javascript:alert(1)) '
        '<img src=x onerror=alert(1)> <a href="https://example.org" onclick="steal()">ok</a>'
        "\n\nSee [the guide](https://example.org/guide)."
    )
    owner.save()
    client.force_login(outsider_profile.member)

    page = client.get(profile_url(owner)).content.decode()

    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "onerror" not in page
    assert "onclick" not in page
    # Links typed as HTML or written in Markdown are kept, cleaned.
    assert 'href="https://example.org"' in page
    assert 'href="https://example.org/guide"' in page


def test_a_photo_is_served_only_to_those_who_may_see_the_profile(client, owner, outsider_profile):
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
    photo_url = reverse("members:photo", args=[owner.slug])

    client.force_login(outsider_profile.member)
    response = client.get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    client.logout()
    assert client.get(photo_url).status_code == 404


def test_the_profile_page_uses_the_same_queries_for_a_rich_or_a_bare_profile(
    client, owner, outsider_profile, django_assert_num_queries
):
    client.force_login(outsider_profile.member)
    bare = ProfileFactory(member__name="Bare Profile", slug="bare")
    with django_assert_num_queries(10):
        client.get(profile_url(bare))

    owner.expertise.add(*TopicFactory.create_batch(8))
    owner.interests.add(*TopicFactory.create_batch(8))
    owner.organisation = OrganisationFactory()
    owner.save()
    with django_assert_num_queries(10):
        client.get(profile_url(owner))


def test_an_unknown_profile_is_not_found(client, outsider_profile):
    client.force_login(outsider_profile.member)

    assert client.get("/members/nobody-by-this-name/").status_code == 404
