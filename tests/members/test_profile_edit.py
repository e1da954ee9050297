import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.models import Profile
from tests.factories import MemberFactory
from tests.members.conftest import image_bytes

pytestmark = pytest.mark.django_db

EDIT = reverse("members:edit")


def form_data(profile, **changes):
    data = {
        "name": profile.member.name,
        "job_title": profile.job_title,
        "organisation": profile.organisation_id or "",
        "sector": profile.sector,
        "region": profile.region,
        "locality": profile.locality,
        "bio": profile.bio,
        "expertise": [topic.pk for topic in profile.expertise.all()],
        "expertise_tags": "\n".join(profile.expertise_tags),
        "interests": [],
        "links": "\n".join(profile.links),
    }
    data.update(changes)
    return data


def test_a_member_completes_their_profile(client, owner, falls):
    client.force_login(owner.member)

    response = client.post(
        EDIT,
        form_data(
            owner,
            name="Morag  Campbell-Reid",
            locality="Edinburgh",
            bio="I run **falls** huddles.",
            expertise=[falls.pk],
            expertise_tags="Hospital at home\nFrailty screening",
            links="https://example.org/our-case-study",
            open_to_mentoring="on",
        ),
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.member.name == "Morag Campbell-Reid"
    assert owner.locality == "Edinburgh"
    assert [topic.name for topic in owner.expertise.all()] == ["Falls prevention"]
    assert owner.expertise_tags == ["Hospital at home", "Frailty screening"]
    assert owner.links == ["https://example.org/our-case-study"]
    assert owner.open_to_mentoring
    assert Profile.objects.filter(search_vector="hospital").get() == owner


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "   "}, "name", "Enter the name other members should see."),
        ({"links": "javascript:alert(1)"}, "links", "is not a web address"),
        ({"links": "\n".join(f"https://example.org/{n}" for n in range(6))}, "links", "at most 5"),
        ({"expertise_tags": "x" * 61}, "expertise_tags", "keep each to 60 characters"),
        ({"organisation": "999999"}, "organisation", "Select a valid choice"),
        ({"bio": "b" * 3001}, "bio", "at most 3000 characters"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_changes_nothing(
    client, owner, changes, field, message
):
    client.force_login(owner.member)
    before = Profile.objects.values().get(pk=owner.pk)

    response = client.post(EDIT, form_data(owner, **changes))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert Profile.objects.values().get(pk=owner.pk) == before


def test_a_photo_is_checked_by_content_and_re_encoded(client, owner):
    client.force_login(owner.member)
    exif = Image.Exif()
    exif[0x010F] = "Secret camera maker"
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), "red").save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("holiday photo.jpeg", buffer.getvalue(), content_type="image/jpeg")

    client.post(EDIT, {**form_data(owner), "photo": upload})

    owner.refresh_from_db()
    assert owner.photo.name.startswith("photos/") and owner.photo.name.endswith(".jpg")
    assert "holiday" not in owner.photo.name
    with Image.open(owner.photo.open("rb")) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 600
        assert 0x010F not in stored.getexif()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("me.png", b"<svg onload=alert(1)>", content_type="image/png"),
            "must be a JPEG, PNG, WebP or GIF image",
        ),
        (
            SimpleUploadedFile("me.txt", b"just some text", content_type="text/plain"),
            "must be a JPEG, PNG, WebP or GIF image",
        ),
        (
            SimpleUploadedFile("me.bmp", image_bytes("BMP"), content_type="image/bmp"),
            "must be a JPEG, PNG, WebP or GIF image",
        ),
        (
            SimpleUploadedFile(
                "big.png", image_bytes() + b"\0" * (5 * 1024 * 1024), content_type="image/png"
            ),
            "smaller than 5 MB",
        ),
    ],
)
def test_a_bad_photo_gets_a_clear_message_and_nothing_is_saved(client, owner, upload, message):
    client.force_login(owner.member)

    response = client.post(EDIT, {**form_data(owner, job_title="Changed"), "photo": upload})

    assert 'id="id_photo_error"' in response.content.decode()
    assert message in response.content.decode()
    owner.refresh_from_db()
    assert not owner.photo
    assert owner.job_title == "Frailty practitioner"


def test_a_member_can_remove_their_photo(client, owner, django_capture_on_commit_callbacks):
    client.force_login(owner.member)
    client.post(EDIT, {**form_data(owner), "photo": SimpleUploadedFile("me.png", image_bytes())})
    owner.refresh_from_db()
    stored = owner.photo.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post(EDIT, {**form_data(owner), "remove_photo": "on"})

    owner.refresh_from_db()
    assert not owner.photo
    assert not owner.photo.storage.exists(stored)


def test_a_member_edits_only_their_own_profile(client, owner):
    intruder = MemberFactory(name="Ivor Intruder")
    client.force_login(intruder)

    client.post(EDIT, form_data(owner, job_title="Hacked"))

    owner.refresh_from_db()
    assert owner.job_title == "Frailty practitioner"
    assert intruder.profile.job_title == "Hacked"


def test_visitors_are_sent_to_sign_in_to_edit(client):
    response = client.get(EDIT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_member_is_led_to_complete_their_profile_after_signing_in(client, db):
    member = MemberFactory()
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "a-long-test-passphrase"}
    )

    assert response["Location"] == f"{EDIT}?welcome=1"
    page = client.get(response["Location"]).content.decode()
    assert "Welcome to the network" in page
    assert "complete" in page


def test_a_member_with_the_basics_lands_on_their_own_page(client, owner):
    response = client.post(
        reverse("account_login"),
        {"login": owner.member.email, "password": "a-long-test-passphrase"},
    )

    assert response["Location"] == reverse("members:me")


def test_a_sideways_phone_photo_is_stored_upright_and_transparency_turns_white(client, owner):
    client.force_login(owner.member)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display", as phones write it
    buffer = io.BytesIO()
    Image.new("RGB", (800, 400), "red").save(buffer, format="JPEG", exif=exif)

    client.post(EDIT, {**form_data(owner), "photo": SimpleUploadedFile("p.jpg", buffer.getvalue())})

    owner.refresh_from_db()
    with Image.open(owner.photo.open("rb")) as stored:
        assert stored.size == (300, 600)

    transparent = io.BytesIO()
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(transparent, format="PNG")
    client.post(
        EDIT, {**form_data(owner), "photo": SimpleUploadedFile("t.png", transparent.getvalue())}
    )
    owner.refresh_from_db()
    with Image.open(owner.photo.open("rb")) as stored:
        assert stored.getpixel((50, 50)) == (255, 255, 255)


@pytest.mark.parametrize("image_format", ["GIF", "WEBP", "PNG", "JPEG"])
def test_each_allowed_image_type_is_accepted(client, owner, image_format):
    client.force_login(owner.member)

    client.post(
        EDIT, {**form_data(owner), "photo": SimpleUploadedFile("me.img", image_bytes(image_format))}
    )

    owner.refresh_from_db()
    assert owner.photo.name.endswith(".jpg")


def test_a_photo_with_too_many_pixels_is_refused_before_it_is_decoded(client, owner):
    client.force_login(owner.member)
    buffer = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buffer, format="PNG")  # a few KB, 25 megapixels

    response = client.post(
        EDIT, {**form_data(owner), "photo": SimpleUploadedFile("bomb.png", buffer.getvalue())}
    )

    assert "too large in pixels" in response.content.decode()
    owner.refresh_from_db()
    assert not owner.photo


def test_a_new_name_gives_a_new_profile_address(client, owner):
    client.force_login(owner.member)

    client.post(EDIT, form_data(owner, name="Morag Fraser"))

    owner.refresh_from_db()
    assert owner.slug == "morag-fraser"


def test_nobody_gets_the_address_of_the_own_page():
    from members.services import profile_slug

    assert profile_slug("Me") == "me-member"


def test_joining_on_the_way_to_a_page_lands_on_the_profile_form_then_goes_on_there(
    client, mailoutbox, owner
):
    # Asked to sign in on the way to mentoring, a visitor follows "Join the network" instead.
    signup = client.get(f"{reverse('account_login')}?next=/mentoring/").context["signup_url"]
    client.post(
        signup,
        {
            "name": "Ruaridh Sutherland",
            "email": "ruaridh.sutherland@example.org",
            "password1": "delayed-discharge-2026",
            "password2": "delayed-discharge-2026",
        },
    )
    link = re.search(r"/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)
    confirmed = client.post(link)

    assert confirmed["Location"] == f"{EDIT}?welcome=1&next=%2Fmentoring%2F"
    page = client.get(confirmed["Location"]).content.decode()
    assert "Welcome to the network" in page
    member = Profile.objects.get(member__email="ruaridh.sutherland@example.org")
    saved = client.post(confirmed["Location"], form_data(owner, name="Ruaridh Sutherland"))
    assert saved["Location"] == "/mentoring/"
    member.refresh_from_db()
    assert member.job_title == owner.job_title


def test_saving_the_profile_never_leads_off_the_site(client, owner):
    client.force_login(owner.member)

    saved = client.post(f"{EDIT}?welcome=1&next=https://example.com/", form_data(owner))

    assert saved["Location"] == reverse("members:me")
