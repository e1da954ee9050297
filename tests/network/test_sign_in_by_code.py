"""Wrong passwords from anywhere lock an account's password for a while; its owner still gets in
with a code e-mailed to them."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, authenticator_code
from tests.network.test_accounts import signed_in_name

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
ASK_FOR_A_CODE = reverse("account_request_login_code")
ENTER_THE_CODE = reverse("account_confirm_login_code")


def code_in(message) -> str:
    match = re.search(r"^([A-Z]{4}-[A-Z]{4})$", message.body, re.MULTILINE)
    assert match, f"no code in: {message.body}"
    return match.group(1)


def locked_out_by_someone_else(person) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        attacker.post(LOGIN, {"login": person.email, "password": "a wrong guess"})


@pytest.mark.parametrize("persona", ["member", "admin_member"])
def test_a_locked_out_member_signs_in_with_a_code_from_their_email(
    client, mailoutbox, persona, request
):
    person = request.getfixturevalue(persona)
    locked_out_by_someone_else(person)

    refused = client.post(LOGIN, {"login": person.email, "password": PASSWORD})
    page = refused.content.decode()
    assert "Too many failed attempts to sign in" in page
    assert f'<a href="{ASK_FOR_A_CODE}">Sign in with a code sent to your e-mail address</a>' in page
    assert signed_in_name(client) is None

    assert "Sign in with a code" in client.get(ASK_FOR_A_CODE).content.decode()
    asked = client.post(ASK_FOR_A_CODE, {"email": person.email}, follow=True)
    assert "Enter your sign-in code" in asked.content.decode()
    (message,) = mailoutbox
    assert message.to == [person.email]
    assert message.subject == "[Improvement Network] Your sign-in code"
    assert "It works once, for 10 minutes." in message.body

    client.post(ENTER_THE_CODE, {"code": code_in(message)})
    if person.is_superuser:
        # The e-mailed code stands in for the password, never for the admin's second factor.
        assert signed_in_name(client) is None
        client.post(reverse("mfa_authenticate"), {"code": authenticator_code(person)})

    assert signed_in_name(client) == person.name
    if person.is_superuser:
        assert client.get("/admin/").status_code == 200


def test_the_sign_in_page_offers_a_code(client):
    page = client.get(LOGIN).content.decode()

    assert f'href="{ASK_FOR_A_CODE}"' in page
    assert "Send me a sign-in code" in page


def test_a_wrong_code_does_not_sign_in_and_three_end_the_code(client, member, mailoutbox):
    client.post(ASK_FOR_A_CODE, {"email": member.email})
    right = code_in(mailoutbox[0])
    wrong = "BBBB-BBBB" if right != "BBBB-BBBB" else "CCCC-CCCC"

    response = client.post(ENTER_THE_CODE, {"code": wrong})

    assert "That code is not right" in response.content.decode()
    assert signed_in_name(client) is None
    client.post(ENTER_THE_CODE, {"code": wrong})
    client.post(ENTER_THE_CODE, {"code": wrong})
    client.post(ENTER_THE_CODE, {"code": right})
    assert signed_in_name(client) is None, "after three wrong tries even the right code is void"


def test_a_code_works_only_in_the_browser_that_asked_for_it(client, member, mailoutbox):
    client.post(ASK_FOR_A_CODE, {"email": member.email})
    elsewhere = Client()

    elsewhere.post(ENTER_THE_CODE, {"code": code_in(mailoutbox[0])})

    assert signed_in_name(elsewhere) is None


def test_asking_for_a_code_tells_nobody_whether_the_address_has_an_account(
    client, member, mailoutbox
):
    def said(response, address) -> str:
        page = response.content.decode().replace(address, "the address")
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page)

    known = client.post(ASK_FOR_A_CODE, {"email": member.email}, follow=True)
    unknown = Client().post(ASK_FOR_A_CODE, {"email": "nobody@example.org"}, follow=True)

    page = said(known, member.email)
    assert page == said(unknown, "nobody@example.org")
    assert "If <strong>the address</strong> belongs to a member" in page
    assert mailoutbox[1].to == ["nobody@example.org"]
    assert "We have no account with this address" in mailoutbox[1].body
