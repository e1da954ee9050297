"""Joining, confirming, signing in and out, and resetting a password, through the real views."""

import re

import pytest
from django.urls import reverse

from members.models import User
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "name": "Eilidh MacLeod",
    "email": "eilidh.macleod@example.org",
    "password1": "frailty-pathway-2026",
    "password2": "frailty-pathway-2026",
}


def link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, f"no link in: {message.body}"
    return match.group(1)


def signed_in_name(client) -> str | None:
    page = client.get(reverse("home")).content.decode()
    match = re.search(r'data-testid="signed-in-name">([^<]+)<', page)
    return match.group(1) if match else None


def test_sign_up_confirm_sign_out_and_sign_in_again(client, mailoutbox):
    response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 302
    assert signed_in_name(client) is None, "nobody is signed in before confirming the address"
    assert len(mailoutbox) == 1
    confirmation = mailoutbox[0]
    assert confirmation.to == ["eilidh.macleod@example.org"]
    assert confirmation.subject == "[Improvement Network] Confirm your e-mail address"
    assert confirmation.body.startswith("Hello Eilidh MacLeod,")

    confirm_page = client.get(link_in(confirmation))
    assert confirm_page.status_code == 200
    assert b"Confirm" in confirm_page.content
    client.post(link_in(confirmation))

    assert signed_in_name(client) == "Eilidh MacLeod"
    assert User.objects.get(email="eilidh.macleod@example.org").emailaddress_set.get().verified

    client.post(reverse("account_logout"))
    assert signed_in_name(client) is None

    client.post(
        reverse("account_login"),
        {"login": "Eilidh.MacLeod@example.org", "password": "frailty-pathway-2026"},
    )
    assert signed_in_name(client) == "Eilidh MacLeod"


def test_an_unconfirmed_member_cannot_sign_in_until_they_confirm(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    client.post(reverse("account_logout"))
    mailoutbox.clear()

    response = client.post(
        reverse("account_login"),
        {"login": SIGNUP["email"], "password": SIGNUP["password1"]},
        follow=True,
    )

    assert signed_in_name(client) is None
    assert "Check your e-mail" in response.content.decode()


def test_password_reset_lets_a_member_choose_a_new_password(client, mailoutbox, member):
    client.post(reverse("account_reset_password"), {"email": member.email})

    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "[Improvement Network] Reset your password"
    reset_page = client.get(link_in(mailoutbox[0]), follow=True)
    assert reset_page.status_code == 200
    form_url = (
        reset_page.redirect_chain[-1][0] if reset_page.redirect_chain else link_in(mailoutbox[0])
    )
    client.post(
        form_url, {"password1": "new-carers-passphrase", "password2": "new-carers-passphrase"}
    )

    assert not client.login(email=member.email, password=PASSWORD)
    client.post(
        reverse("account_login"), {"login": member.email, "password": "new-carers-passphrase"}
    )
    assert signed_in_name(client) == member.name


def test_a_reset_tells_the_visitor_nothing_and_tells_the_address_there_is_no_account(
    client, mailoutbox, member
):
    known = client.post(reverse("account_reset_password"), {"email": member.email}, follow=True)
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.org"}, follow=True
    )

    def said(response) -> str:
        return re.sub(r"\s+", " ", response.content.decode())

    assert "If an account uses this address, we have sent a link" in said(known)
    assert said(unknown) == said(known), "the same page whether or not the account exists"
    told = mailoutbox[-1]
    assert told.to == ["nobody@example.org"]
    assert told.subject == "[Improvement Network] We could not find an account for this address"
    assert "We have no account with this address" in told.body
    assert "/accounts/signup/" in told.body


def errors_beside_fields(response) -> str:
    page = response.content.decode()
    assert 'id="error-summary"' in page, "the error summary leads the form"
    return page


def test_joining_with_a_taken_address_e_mails_its_owner_and_tells_the_visitor_nothing(
    client, mailoutbox
):
    MemberFactory(email="eilidh.macleod@example.org", name="Eilidh MacLeod")

    taken = client.post(
        reverse("account_signup"), {**SIGNUP, "email": "EILIDH.MACLEOD@example.org"}, follow=True
    )
    client.post(reverse("account_logout"))
    new = client.post(
        reverse("account_signup"), {**SIGNUP, "email": "morven.reid@example.org"}, follow=True
    )

    def page(response, address) -> str:
        return response.content.decode().lower().replace(address.lower(), "the address")

    assert "Check your e-mail" in taken.content.decode()
    assert page(taken, "EILIDH.MACLEOD@example.org") == page(new, "morven.reid@example.org"), (
        "the same page as for a new sign-up"
    )
    assert User.objects.filter(email__iexact="eilidh.macleod@example.org").count() == 1
    owner_told = mailoutbox[0]
    assert owner_told.to == ["eilidh.macleod@example.org"]
    assert owner_told.subject == "[Improvement Network] You already have an account"
    assert "You already have an account with it" in owner_told.body
    assert "/accounts/login/" in owner_told.body and "/accounts/password/reset/" in owner_told.body


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "at least 10 characters"),
        ("password123", "too common"),
        ("4815162342", "entirely numeric"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(client, password, message):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "password1": password, "password2": password}
    )

    page = errors_beside_fields(response)
    assert 'id="id_password1_error"' in page
    assert message in page
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["eilidh", "eilidh@", "eilidh macleod@example.org", ""])
def test_a_malformed_address_is_refused(client, email):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": email})

    page = errors_beside_fields(response)
    assert 'id="id_email_error"' in page
    assert not User.objects.exists()


def test_an_address_too_long_to_deliver_is_refused_not_cut(client):
    response = client.post(
        reverse("account_signup"),
        {**SIGNUP, "email": f"{'a' * 60}@{'b' * 60}.{'c' * 60}.{'d' * 60}.{'e' * 60}.example.org"},
    )

    page = errors_beside_fields(response)
    assert "at most 254 characters" in page
    assert not User.objects.exists()


def test_a_blank_name_is_refused(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "name": "   "})

    page = errors_beside_fields(response)
    assert 'id="id_name_error"' in page
    assert not User.objects.exists()


def test_repeated_failed_sign_ins_are_rate_limited(client, member):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": "wrong guess"})

    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})

    assert "Too many failed attempts to sign in" in response.content.decode()
    assert signed_in_name(client) is None
