"""Signing in with an organisation's account, against a real OpenID Connect provider that the
tests start on 127.0.0.1 (tests/oidc.py). Nothing of allauth's is replaced."""

import html
import re
import time
import urllib.parse

import httpx
import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from base import outbox
from base.models import AuditEntry, Email
from members.audit import Action
from members.models import OrganisationProvider, Profile, User
from members.sso import CONNECTED_EMAIL, SECOND_FACTOR_SESSION_KEY, answer_problem
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory
from tests.oidc import CLIENT_ID, provider_running, use_providers

pytestmark = pytest.mark.django_db

ADDRESS = "ailsa.brodie@example.nhs.scot"


@pytest.fixture
def ailsa(provider):
    """Someone whose organisation's provider vouches for her address."""
    provider.person(
        "ailsa",
        email=ADDRESS,
        email_verified=True,
        name="Ailsa Brodie",
        job_title="Improvement advisor",
    )
    return "ailsa"


def path_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start(client, **data):
    response = client.post("/accounts/organisation/", data)
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def round_trip(client, idp, sub, *, email=ADDRESS, **data):
    """Start at the site, sign in at the provider as `sub`, and come back: the site's answer."""
    authorize = start(client, email=email, **data)
    return client.get(path_of(idp.sign_in(authorize, sub)))


def join(client, provider, sub, **choices):
    response = round_trip(client, provider, sub)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    return client.post(
        "/accounts/3rdparty/signup/",
        {"name": "Ailsa Brodie", "visibility": "members", "email_visibility": "members", **choices},
    )


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def text(response) -> str:
    """What the page says, as a person reads it."""
    return " ".join(html.unescape(response.content.decode()).split())


def left_signed_in_for_a_while(client) -> None:
    """The browser stays signed in, unattended, for longer than a sign-in counts as having just
    shown who is there (members.adapter: five minutes)."""
    session = client.session
    for record in session.get(AUTHENTICATION_METHODS_SESSION_KEY, []):
        record["at"] -= 60 * 60
    session.save()


def confirm_with_password(client, at="/accounts/reauthenticate/"):
    """allauth's "Confirm it is you", ahead of a change to how the member signs in, or `at` the
    address it sent them to (which then carries on with what they were doing)."""
    response = client.post(at, {"password": PASSWORD})
    assert response.status_code == 302, text(response)
    return response


def code_in(message) -> str:
    return re.search(r"^([A-Z]{4}-[A-Z]{4})$", message.body, re.MULTILINE).group(1)


def confirm_with_a_code(client, mailoutbox, asked):
    """The same for a member without a password: a code e-mailed to their address. `asked` is
    the answer that sent them to confirm; the result is the answer after they did."""
    assert asked["Location"].startswith("/accounts/reauthenticate/code/"), asked["Location"]
    sent = client.post(asked["Location"], {"recipient": ADDRESS})
    assert sent.status_code == 302, text(sent)
    assert mailoutbox[-1].subject.endswith("Your code to confirm it is you")
    return client.post(sent["Location"], {"code": code_in(mailoutbox[-1])})


def refused(response, words: str) -> None:
    """A refusal: its page says why in plain words."""
    page = text(response)
    assert response.status_code == 403, page
    assert "You are not signed in" in page
    assert words in page, page


# --- a first sign-in --------------------------------------------------------------------------


def test_a_first_sign_in_asks_to_confirm_choices_and_leads_to_a_prefilled_profile(
    client, provider, ailsa, board
):
    response = round_trip(client, provider, ailsa)
    form = client.get(response["Location"])
    page = form.content.decode()

    # Nothing is made before the member confirms.
    assert not User.objects.exists()
    assert 'value="Ailsa Brodie"' in page
    assert ADDRESS in page
    assert "Who can see my profile" in page
    assert "Who can see my e-mail address" in page

    response = client.post(
        "/accounts/3rdparty/signup/",
        {
            "name": "Ailsa Brodie",
            # A typed address is ignored: the provider's is the one it vouched for.
            "email": "someone.else@example.org",
            "visibility": "public",
            "email_visibility": "nobody",
            "receives_bulletin": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/members/me/edit/?welcome=1"
    member = signed_in_as(client)
    assert member.name == "Ailsa Brodie"
    assert member.email == ADDRESS
    assert not member.has_usable_password()
    assert EmailAddress.objects.get(user=member).verified
    profile = Profile.objects.get(member=member)
    assert profile.job_title == "Improvement advisor"
    assert profile.organisation == board
    assert profile.visibility == "public"
    assert profile.email_visibility == "nobody"
    assert profile.receives_bulletin
    edit = client.get(response["Location"]).content.decode()
    assert 'value="Improvement advisor"' in edit
    assert SocialAccount.objects.get(user=member).provider == "nhs-example"
    assert AuditEntry.objects.filter(
        actor=member, member=member, action=Action.ORGANISATION_ACCOUNT_CONNECTED
    ).exists()


def test_the_name_must_not_be_left_empty(client, provider, ailsa):
    response = join(client, provider, ailsa, name="   ")

    assert response.status_code == 200
    assert "Enter your full name." in response.content.decode()
    assert not User.objects.exists()


def test_the_privacy_choices_must_be_made(client, provider, ailsa):
    response = join(client, provider, ailsa, visibility="", email_visibility="")

    page = text(response)
    assert "Choose who can see your profile." in page
    assert "Choose who can see your e-mail address." in page
    assert not User.objects.exists()


def test_an_organisation_the_claims_name_wins_over_the_providers_own(client, provider, ailsa):
    lothian = OrganisationFactory(name="NHS Lothian", slug="nhs-lothian")
    provider.person(
        "ailsa", email=ADDRESS, email_verified=True, name="Ailsa Brodie", companyName="NHS Lothian"
    )

    join(client, provider, ailsa)

    assert Profile.objects.get(member__email=ADDRESS).organisation == lothian


def test_entra_ids_domain_owner_verified_claim_counts_as_verified(client, provider):
    provider.person("ross", email="ross.kerr@example.nhs.scot", xms_edov=True, name="Ross Kerr")

    response = round_trip(client, provider, "ross", email="ross.kerr@example.nhs.scot")

    assert response["Location"] == "/accounts/3rdparty/signup/"


def test_a_returning_member_is_signed_in_at_once(client, provider, ailsa):
    join(client, provider, ailsa)
    client.logout()

    response = round_trip(client, provider, ailsa)

    assert response.status_code == 302
    assert signed_in_as(client).email == ADDRESS
    assert User.objects.count() == 1


def test_a_returning_member_goes_back_where_they_were_and_never_off_the_site(
    client, provider, ailsa
):
    join(client, provider, ailsa)
    client.logout()
    login_page = client.get("/accounts/login/?next=/communities/").content.decode()
    assert 'name="next" value="/communities/"' in login_page

    assert round_trip(client, provider, ailsa, next="/communities/")["Location"] == "/communities/"
    client.logout()
    away = round_trip(client, provider, ailsa, next="https://elsewhere.example.org/")
    assert away["Location"] == "/members/me/"


def test_the_organisation_page_keeps_where_the_member_was_going(client, provider, ailsa):
    page = client.get("/accounts/organisation/?next=/communities/").content.decode()
    join(client, provider, ailsa)
    client.logout()

    # Both of its forms: the work address, and the list of organisations.
    assert page.count('name="next" value="/communities/"') == 2
    assert round_trip(client, provider, ailsa, next="/communities/")["Location"] == "/communities/"


def test_starting_again_after_a_refusal_keeps_where_the_member_was_going(client, provider):
    provider.person("late", email=ADDRESS, email_verified=True, exp=int(time.time()) - 60)

    response = round_trip(client, provider, "late", next="/communities/")

    refused(response, "had expired")
    assert 'href="/accounts/organisation/?next=/communities/">Start again' in text(response)


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/organisation/"]
)
def test_each_id_on_the_sign_in_pages_is_used_once(client, provider, path):
    ids = re.findall(r'\sid="([^"]+)"', client.get(f"{path}?next=/communities/").content.decode())

    assert sorted({id_ for id_ in ids if ids.count(id_) > 1}) == []


# --- choosing the provider --------------------------------------------------------------------


def test_the_address_picks_the_provider_and_the_list_offers_each(client, settings, board):
    with provider_running() as first, provider_running() as second:
        use_providers(
            settings,
            first.config(),
            second.config("council", name="Example Council", domains=["example.gov.uk"]),
        )

        by_address = start(client, email="Sam.Reid@Example.gov.uk")
        chosen = start(client, provider="nhs-example")

        assert by_address.startswith(f"{second.url}/")
        # The provider is told who is coming, so it need not ask again.
        assert "login_hint=Sam.Reid%40Example.gov.uk" in by_address
        assert chosen.startswith(f"{first.url}/")
        page = client.get("/accounts/organisation/").content.decode()
        assert "NHS Example" in page
        assert "Example Council" in page


def test_an_address_no_provider_speaks_for_is_told_so_next_to_the_field(client, provider):
    response = client.post("/accounts/organisation/", {"email": "sam@example.org"})

    page = text(response)
    assert response.status_code == 200
    assert "No organisation's sign-in is set up for addresses ending @example.org" in page
    assert 'id="error-summary"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Enter your work e-mail address, or choose your organisation"),
        ({"email": "not an address"}, "Enter an e-mail address, like name@example.nhs.scot."),
        ({"provider": "nowhere"}, "Choose one of the organisations listed."),
    ],
)
def test_a_form_with_a_mistake_says_what_to_do(client, provider, data, message):
    response = client.post("/accounts/organisation/", data)

    assert response.status_code == 200
    assert message in response.content.decode()


def test_the_sign_in_and_join_pages_offer_organisation_sign_in_and_may_send_forms_there(
    client, provider
):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/organisation/"):
        response = client.get(path)

        assert "Sign in with your organisation's account" in response.content.decode(), path
        form_action = next(
            part
            for part in response["Content-Security-Policy"].split(";")
            if part.strip().startswith("form-action")
        )
        assert provider.url in form_action, path


def test_without_providers_the_pages_do_not_offer_it(client):
    assert "organisation's account" not in client.get("/accounts/login/").content.decode()
    page = client.get("/accounts/organisation/").content.decode()
    assert "No organisation's sign-in is set up on this site yet." in page


def test_a_provider_that_cannot_be_reached_gets_a_page_that_says_so(client, settings, board):
    with provider_running() as gone:
        entry = gone.config()
    use_providers(settings, entry)  # its server has stopped

    response = client.post("/accounts/organisation/", {"email": ADDRESS})

    assert response.status_code == 502
    assert "NHS Example's sign-in could not be reached just now" in response.content.decode()


def test_allauths_own_way_to_a_provider_may_reach_it_and_says_when_it_cannot(
    client, settings, board
):
    with provider_running() as running:
        use_providers(settings, running.config())
        page = client.get("/accounts/oidc/nhs-example/login/")
        assert running.url in page["Content-Security-Policy"]
        assert client.post("/accounts/oidc/nhs-example/login/")["Location"].startswith(running.url)
    with provider_running() as gone:
        use_providers(settings, gone.config())
    # Its server has stopped before anyone signed in with it.

    response = client.post("/accounts/oidc/nhs-example/login/")

    assert response.status_code == 502
    assert "NHS Example could not be reached" in text(response)


def test_a_member_who_cancels_at_the_provider_is_told_nothing_changed(client, provider, ailsa):
    authorize = start(client, email=ADDRESS)
    denied = httpx.post(authorize, data={"action": "deny"}).headers["location"]
    assert "error=access_denied" in denied
    # A provider returns the state with its refusal (RFC 6749, 4.1.2.1); this one leaves it
    # out, which would read as an answer to a sign-in this browser never started.
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize).query))["state"]

    response = client.get(f"{path_of(denied)}&state={state}", follow=True)

    assert "Sign-in cancelled" in response.content.decode()
    assert not User.objects.exists()


def redirect_uri_sent(authorize_url: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))["redirect_uri"]


def test_the_provider_is_given_the_redirect_uri_of_site_url_not_of_the_requests_host(
    client, settings, provider, ailsa
):
    # Behind a proxy the request's host is the web server's own; the registered address is the
    # site's.
    settings.SITE_URL = "https://network.example.org"
    expected = "https://network.example.org/accounts/oidc/nhs-example/login/callback/"

    by_address = start(client, email=ADDRESS)
    by_allauths_page = client.post("/accounts/oidc/nhs-example/login/")["Location"]

    assert redirect_uri_sent(by_address) == expected
    assert redirect_uri_sent(by_allauths_page) == expected
    # The provider is given the same address again for the code: the sign-in goes through.
    response = client.get(path_of(provider.sign_in(by_address, ailsa)))
    assert response["Location"] == "/accounts/3rdparty/signup/"


def test_starting_a_sign_in_reads_the_providers_configuration_once_for_a_while(
    client, settings, board
):
    with provider_running() as idp:
        use_providers(settings, idp.config())
        start(client, email=ADDRESS)
    # Its server has stopped: the configuration read a moment ago still sends members there,
    # rather than every visitor's press of the button fetching it again.

    assert start(client, email=ADDRESS).startswith(f"{idp.url}/")


# --- refusals: a clear message, and no account made -------------------------------------------


def test_a_token_for_another_audience_is_refused(client, provider):
    provider.person("mal", email=ADDRESS, email_verified=True, aud="another-service")

    response = round_trip(client, provider, "mal")

    refused(response, "NHS Example sent a sign-in meant for another service")
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_an_expired_token_is_refused(client, provider):
    provider.person("late", email=ADDRESS, email_verified=True, exp=int(time.time()) - 60)

    response = round_trip(client, provider, "late")

    refused(response, "NHS Example's sign-in had expired by the time it reached us")
    assert not User.objects.exists()


def test_an_answer_to_a_sign_in_this_browser_did_not_start_is_refused(client, provider, ailsa):
    back = provider.sign_in(start(client, email=ADDRESS), ailsa)
    parts = urllib.parse.urlsplit(back)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["state"] = "not-the-state-we-sent"

    response = client.get(parts.path, query)

    refused(response, "This sign-in was not started in this browser")
    assert not User.objects.exists()
    # A browser that started nothing fares the same.
    client.logout()
    response = client.get(parts.path, dict(urllib.parse.parse_qsl(parts.query)))
    refused(response, "This sign-in was not started in this browser")


def test_an_address_that_is_not_text_is_refused(client, provider):
    provider.person("odd", email=[ADDRESS], email_verified=True)

    response = round_trip(client, provider, "odd")

    refused(response, "Something went wrong while NHS Example was signing you in")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("id_token", "userinfo", "problem"),
    [
        ({"sub": "a"}, {"email": ADDRESS}, "its answer names nobody (no sub)"),
        ({"sub": "a"}, {"sub": " "}, "its answer names nobody (no sub)"),
        # OpenID Connect Core 5.3.2: user information about someone else must not be used.
        (
            {"sub": "a"},
            {"sub": "b"},
            "its user information is about someone else than its ID token",
        ),
        ({"sub": "a", "email": 7}, {"sub": "a"}, "its e-mail address is not text"),
        ({"sub": "a"}, {"sub": "a", "email": ADDRESS}, None),
        ({"sub": "a"}, None, None),
    ],
)
def test_what_makes_a_providers_answer_unusable(id_token, userinfo, problem):
    # The test provider always answers well formed; others may not.
    assert answer_problem(id_token=id_token, userinfo=userinfo) == problem


def test_a_provider_whose_configuration_lacks_its_keys_gets_a_page_not_an_error(
    client, settings, provider
):
    (app,) = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
    # allauth's own way to correct a provider's configuration, here to spoil it.
    app["settings"]["openid_configuration_overrides"] = {"jwks_uri": None}

    for response in (
        client.post("/accounts/organisation/", {"email": ADDRESS}),
        client.post("/accounts/oidc/nhs-example/login/"),
    ):
        refused(response, "Something went wrong while NHS Example was signing you in")


def test_an_address_the_provider_did_not_verify_is_refused(client, provider):
    provider.person("new", email=ADDRESS, email_verified=False, name="Ailsa Brodie")

    response = round_trip(client, provider, "new")

    refused(response, f"NHS Example did not confirm that {ADDRESS} is yours")
    assert not User.objects.exists()


def test_an_address_outside_the_providers_domains_is_refused(client, provider):
    provider.person("stray", email="ailsa@elsewhere.example.org", email_verified=True)

    response = round_trip(client, provider, "stray")

    refused(
        response,
        "NHS Example signs in addresses ending @example.nhs.scot, but it sent "
        "ailsa@elsewhere.example.org",
    )
    assert not User.objects.exists()


def test_a_provider_cannot_take_over_an_account_whose_address_is_not_verified(
    client, provider, ailsa
):
    # Someone typed the address into a sign-up and never confirmed it: whoever owns the
    # address, the account is not yet theirs to join.
    holder = MemberFactory(email=ADDRESS, verified=False)

    response = round_trip(client, provider, ailsa)

    refused(response, f"An account already uses {ADDRESS}, so we did not make another.")
    assert "Sign in with your e-mail address and password first" in response.content.decode()
    holder.refresh_from_db()
    assert holder.has_usable_password()
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1


def test_a_provider_that_does_not_vouch_for_an_address_cannot_take_its_account_over(
    client, provider
):
    holder = MemberFactory(email=ADDRESS)
    provider.person("impostor", email=ADDRESS, email_verified=False)

    response = round_trip(client, provider, "impostor")

    refused(response, "did not confirm that")
    assert not SocialAccount.objects.filter(user=holder).exists()


def test_a_provider_cannot_vouch_for_another_organisations_member(client, settings, board):
    holder = MemberFactory(email="morag@example.gov.uk")
    with provider_running() as careless:
        use_providers(settings, careless.config())
        careless.person("morag", email="morag@example.gov.uk", email_verified=True)

        response = round_trip(client, careless, "morag", provider="nhs-example", email="")

    refused(response, "but it sent morag@example.gov.uk")
    assert not SocialAccount.objects.filter(user=holder).exists()


def test_an_account_both_sides_verified_is_joined_and_signed_in(client, provider, ailsa):
    holder = MemberFactory(email=ADDRESS, name="Ailsa Brodie")

    response = round_trip(client, provider, ailsa)

    assert response.status_code == 302
    assert signed_in_as(client) == holder
    assert SocialAccount.objects.get().user == holder
    holder.refresh_from_db()
    assert holder.has_usable_password()  # still theirs: nothing to wipe
    assert AuditEntry.objects.filter(
        member=holder, action=Action.ORGANISATION_ACCOUNT_CONNECTED, detail="NHS Example"
    ).exists()


def test_a_verified_member_whose_address_has_capitals_is_joined_and_keeps_their_password(
    client, provider, ailsa
):
    # Addresses typed before the network stored them in lower case, or by an admin.
    holder = MemberFactory(email="Ailsa.Brodie@example.nhs.scot", name="Ailsa Brodie")

    response = round_trip(client, provider, ailsa)

    assert response.status_code == 302
    assert signed_in_as(client) == holder
    assert SocialAccount.objects.get().user == holder
    holder.refresh_from_db()
    assert holder.has_usable_password()
    assert holder.check_password(PASSWORD)


def test_a_suspended_member_is_not_signed_in_and_nothing_is_connected(client, provider, ailsa):
    MemberFactory(email=ADDRESS, is_active=False)

    response = round_trip(client, provider, ailsa)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.ORGANISATION_ACCOUNT_CONNECTED).exists()


# --- the second factor (read by the staff pages' gate) -----------------------------------------


@pytest.mark.parametrize(
    ("amr", "noted"),
    [(["pwd", "mfa"], True), (["pwd"], False), (None, False), ("mfa", True)],
)
def test_the_session_notes_a_second_factor_only_when_the_provider_asserts_one(
    client, provider, amr, noted
):
    claims = {"email": ADDRESS, "email_verified": True, "name": "Ailsa Brodie"}
    if amr is not None:
        claims["amr"] = amr
    provider.person("ailsa", **claims)
    MemberFactory(email=ADDRESS)

    round_trip(client, provider, "ailsa")

    assert signed_in_as(client) is not None
    assert client.session.get(SECOND_FACTOR_SESSION_KEY, False) is noted


def test_a_new_members_first_sign_in_notes_the_second_factor_too(client, provider):
    provider.person("ailsa", email=ADDRESS, email_verified=True, name="A B", amr=["mfa"])

    join(client, provider, "ailsa")

    assert client.session[SECOND_FACTOR_SESSION_KEY] is True


def test_a_password_sign_in_never_counts_as_a_second_factor(client, settings, provider):
    provider.person("ailsa", email=ADDRESS, email_verified=True, name="A B", amr=["mfa"])
    holder = MemberFactory(email=ADDRESS)
    round_trip(client, provider, "ailsa")
    assert client.session[SECOND_FACTOR_SESSION_KEY] is True
    # The same browser signs in again, this time with the password (allauth lets a signed-in
    # browser do so when told; Django then keeps what the session held).
    settings.ACCOUNT_AUTHENTICATED_LOGIN_REDIRECTS = False

    client.post("/accounts/login/", {"login": ADDRESS, "password": PASSWORD})

    assert signed_in_as(client) == holder
    assert SECOND_FACTOR_SESSION_KEY not in client.session


# --- connecting, disconnecting, leaving --------------------------------------------------------


def test_a_member_connects_their_organisation_account_from_their_preferences(
    client, provider, member
):
    provider.person("morag", email="morag.campbell@example.nhs.scot", email_verified=True)
    client.force_login(member)
    page = client.get("/members/me/preferences/").content.decode()
    assert "Connect your NHS Example account" in page

    confirm_with_password(client)
    authorize = start(client, provider="nhs-example", process="connect")
    response = client.get(path_of(provider.sign_in(authorize, "morag")), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/members/me/preferences/"
    assert "Your NHS Example account is connected" in page
    assert "morag.campbell@example.nhs.scot" in page
    assert SocialAccount.objects.get().user == member
    client.logout()
    # From now on it signs her in.
    round_trip(client, provider, "morag", email="", provider="nhs-example")
    assert signed_in_as(client) == member


def test_an_organisation_account_whose_address_is_another_members_is_not_connected(
    client, provider, member
):
    MemberFactory(email="morag.campbell@example.nhs.scot")  # her work account, verified
    provider.person("morag", email="morag.campbell@example.nhs.scot", email_verified=True)
    client.force_login(member)
    confirm_with_password(client)

    authorize = start(client, provider="nhs-example", process="connect")
    response = client.get(path_of(provider.sign_in(authorize, "morag")), follow=True)

    assert response.redirect_chain[-1][0] == "/members/me/preferences/"
    assert (
        "The address of that NHS Example account, morag.campbell@example.nhs.scot, belongs to "
        "another member's account, so it was not connected to yours." in text(response)
    )
    assert not SocialAccount.objects.exists()


def test_a_refused_connection_tells_the_member_they_are_still_signed_in(client, provider, member):
    provider.person("rab", email="rab.stewart@example.nhs.scot", email_verified=False)
    client.force_login(member)
    confirm_with_password(client)

    authorize = start(client, provider="nhs-example", process="connect")
    response = client.get(path_of(provider.sign_in(authorize, "rab")), follow=True)

    page = text(response)
    assert "Your organisation account is not connected" in page
    assert "You are not signed in" not in page
    assert "you are still signed in as before" in page
    assert not SocialAccount.objects.exists()


def test_an_organisation_account_connected_to_another_member_stays_theirs(
    client, provider, ailsa, member
):
    join(client, provider, ailsa)
    theirs = SocialAccount.objects.get()
    client.logout()
    client.force_login(member)
    confirm_with_password(client)

    authorize = start(client, provider="nhs-example", process="connect")
    response = client.get(path_of(provider.sign_in(authorize, ailsa)), follow=True)

    assert "That organisation account is connected to another member's account" in text(response)
    assert SocialAccount.objects.get() == theirs
    assert theirs.user.email == ADDRESS


def test_connecting_asks_who_is_at_the_browser_first_and_tells_the_member_by_e_mail(
    client, provider, member, mailoutbox
):
    # Morag left her browser signed in; a colleague tries to connect his organisation account.
    provider.person("dougie", email="dougie.ross@example.nhs.scot", email_verified=True)
    client.force_login(member)

    asked = client.post(
        "/accounts/organisation/", {"provider": "nhs-example", "process": "connect"}
    )
    wrong = client.post(asked["Location"], {"password": "a-guess-at-hers"})

    assert asked["Location"].startswith("/accounts/reauthenticate/")
    assert "Confirm it is you" in text(client.get(asked["Location"]))
    assert wrong.status_code == 200
    assert not SocialAccount.objects.exists()

    # Morag herself confirms, and goes on to her provider as she asked.
    authorize = confirm_with_password(client, at=asked["Location"])["Location"]
    assert authorize.startswith(f"{provider.url}/")
    client.get(path_of(provider.sign_in(authorize, "dougie")))
    assert SocialAccount.objects.get().user == member
    (email,) = Email.objects.filter(kind=CONNECTED_EMAIL, recipient=member)
    assert str(outbox.send([email.pk])) == "1 sent"
    message = mailoutbox[-1]
    assert message.to == [member.email]
    assert "Your NHS Example account was connected to your account" in message.subject
    assert "If it was not you" in message.body
    assert "/members/me/preferences/" in message.body


def test_a_connection_that_comes_back_once_the_confirmation_has_lapsed_asks_again(
    client, settings, provider, member
):
    provider.person("morag", email="morag.campbell@example.nhs.scot", email_verified=True)
    client.force_login(member)
    confirm_with_password(client)
    authorize = start(client, provider="nhs-example", process="connect")
    # She took her time at the provider.
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0

    response = client.get(path_of(provider.sign_in(authorize, "morag")))

    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not SocialAccount.objects.exists()
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    response = confirm_with_password(client)
    assert response["Location"] == "/members/me/preferences/"
    assert SocialAccount.objects.get().user == member


def test_an_existing_members_account_joined_at_sign_in_is_told_by_e_mail(client, provider, ailsa):
    holder = MemberFactory(email=ADDRESS, name="Ailsa Brodie")

    round_trip(client, provider, ailsa)

    assert Email.objects.filter(kind=CONNECTED_EMAIL, recipient=holder).exists()


def test_a_new_members_first_sign_in_sends_no_connection_e_mail(client, provider, ailsa):
    join(client, provider, ailsa)

    assert not Email.objects.filter(kind=CONNECTED_EMAIL).exists()


def test_connecting_needs_a_signed_in_member(client, provider):
    response = client.post(
        "/accounts/organisation/", {"provider": "nhs-example", "process": "connect"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_member_with_a_password_disconnects_and_the_audit_log_records_it(
    client, provider, member
):
    provider.person("morag", email="morag.campbell@example.nhs.scot", email_verified=True)
    client.force_login(member)
    confirm_with_password(client)
    authorize = start(client, provider="nhs-example", process="connect")
    client.get(path_of(provider.sign_in(authorize, "morag")))
    account = SocialAccount.objects.get()

    response = client.post(
        "/members/me/preferences/organisation-accounts/disconnect/", {"account": account.pk}
    )

    assert response.status_code == 302
    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(
        member=member, action=Action.ORGANISATION_ACCOUNT_DISCONNECTED, detail="NHS Example"
    ).exists()


def test_a_member_who_leaves_sets_a_password_before_disconnecting_and_keeps_their_account(
    client, provider, ailsa, mailoutbox
):
    join(client, provider, ailsa)
    left_signed_in_for_a_while(client)
    member = signed_in_as(client)
    account = SocialAccount.objects.get()
    disconnect = "/members/me/preferences/organisation-accounts/disconnect/"
    preferences = client.get("/members/me/preferences/").content.decode()
    assert 'href="/accounts/password/set/?next=/members/me/preferences/">set a password' in (
        preferences
    )
    confirm_with_a_code(client, mailoutbox, client.get("/accounts/password/set/"))

    response = client.post(disconnect, {"account": account.pk}, follow=True)

    assert "Set a password before you disconnect" in response.content.decode()
    assert SocialAccount.objects.filter(pk=account.pk).exists()

    response = client.post(
        "/accounts/password/set/?next=/members/me/preferences/",
        {"password1": "after-the-board-2027", "password2": "after-the-board-2027"},
    )
    assert response["Location"] == "/members/me/preferences/"
    client.post(disconnect, {"account": account.pk})
    assert not SocialAccount.objects.exists()

    client.logout()
    client.post("/accounts/login/", {"login": ADDRESS, "password": "after-the-board-2027"})
    assert signed_in_as(client) == member


def test_someone_elses_organisation_account_cannot_be_disconnected(client, provider, ailsa, member):
    join(client, provider, ailsa)
    account = SocialAccount.objects.get()
    client.force_login(member)
    confirm_with_password(client)

    response = client.post(
        "/members/me/preferences/organisation-accounts/disconnect/", {"account": account.pk}
    )

    assert response["Location"] == "/members/me/preferences/"
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_an_account_of_a_provider_removed_since_can_still_be_disconnected(client, member):
    account = SocialAccount.objects.create(user=member, provider="closed-board", uid="x")
    client.force_login(member)
    assert "closed-board" in client.get("/members/me/preferences/").content.decode()
    confirm_with_password(client)

    response = client.post(
        "/members/me/preferences/organisation-accounts/disconnect/", {"account": account.pk}
    )

    assert response.status_code == 302
    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(
        member=member, action=Action.ORGANISATION_ACCOUNT_DISCONNECTED, detail="closed-board"
    ).exists()


def test_without_a_password_nobody_at_the_browser_sets_one_without_a_code_from_the_mailbox(
    client, provider, ailsa, mailoutbox
):
    join(client, provider, ailsa)
    left_signed_in_for_a_while(client)
    member = signed_in_as(client)
    close_page = client.get("/members/me/delete/").content.decode()
    chosen = {"password1": "a-colleagues-idea-2027", "password2": "a-colleagues-idea-2027"}

    asked = client.post("/accounts/password/set/?next=/members/me/delete/", chosen)

    assert 'href="/accounts/password/set/?next=/members/me/delete/">Set a password' in close_page
    assert "we e-mail you a code to confirm it is you" in " ".join(close_page.split())
    member.refresh_from_db()
    assert not member.has_usable_password()
    wrong = client.post(
        client.post(asked["Location"], {"recipient": ADDRESS})["Location"], {"code": "ABCD-EFGH"}
    )
    assert "Confirm it is you" in text(wrong)
    member.refresh_from_db()
    assert not member.has_usable_password()

    # The member, with the code from their mailbox, sets it and goes back to closing.
    back = confirm_with_a_code(
        client, mailoutbox, client.post("/accounts/password/set/?next=/members/me/delete/", chosen)
    )
    assert back["Location"] == "/accounts/password/set/?next=/members/me/delete/"
    done = client.post(back["Location"], {"password1": "mine-2027-ok", "password2": "mine-2027-ok"})
    assert done["Location"] == "/members/me/delete/"
    member.refresh_from_db()
    assert member.check_password("mine-2027-ok")


def test_an_organisation_account_is_in_the_export_and_goes_with_a_closed_account(
    client, provider, ailsa, mailoutbox
):
    join(client, provider, ailsa)
    exported = client.get("/members/me/export/").json()
    assert exported["account"]["organisation_accounts"][0]["provider"] == "nhs-example"
    page = client.get("/members/me/delete/").content.decode()
    assert "Set a password" in page  # an account is closed with its password
    left_signed_in_for_a_while(client)

    confirm_with_a_code(client, mailoutbox, client.get("/accounts/password/set/"))
    response = client.post(
        "/accounts/password/set/",
        {"password1": "closing-time-2027", "password2": "closing-time-2027"},
    )
    assert response["Location"] == "/members/me/"  # not the form to change it again
    client.post("/members/me/delete/", {"password": "closing-time-2027"})

    assert not SocialAccount.objects.exists()


# --- providers added in the admin -------------------------------------------------------------


def test_an_admin_adds_a_provider_and_members_sign_in_with_it(
    client, settings, admin_member, board
):
    settings.DEBUG = True  # the provider is on this machine, over plain HTTP
    with provider_running() as council:
        use_providers(settings)  # none from the environment
        client.force_login(admin_member)
        response = client.post(
            "/admin/members/organisationprovider/add/",
            {
                "name": "Example Council",
                "provider_id": "example-council",
                "server_url": council.url,
                "client_id": CLIENT_ID,
                "secret": "s",
                "domains": "example.gov.uk\n@Example.gov.uk",
                "organisation": "nhs-example",
            },
        )
        assert response.status_code == 302, response.content.decode()
        saved = OrganisationProvider.objects.get()
        assert saved.provider == "openid_connect"
        assert saved.settings == {
            "server_url": council.url,
            "domains": ["example.gov.uk"],
            "organisation": "nhs-example",
        }
        page = client.get(f"/admin/members/organisationprovider/{saved.pk}/change/")
        shown = "http://127.0.0.1:8000/accounts/oidc/example-council/login/callback/"
        assert shown in page.content.decode()
        client.logout()
        council.person("sam", email="sam.reid@example.gov.uk", email_verified=True, name="Sam")

        authorize = start(client, email="sam.reid@example.gov.uk")
        response = client.get(path_of(council.sign_in(authorize, "sam")))

        # The address the admin shows, to register with the provider, is the one it is sent.
        assert redirect_uri_sent(authorize) == shown
        assert response["Location"] == "/accounts/3rdparty/signup/"


def test_the_admin_refuses_a_domain_another_provider_speaks_for(client, provider, admin_member):
    client.force_login(admin_member)

    response = client.post(
        "/admin/members/organisationprovider/add/",
        {
            "name": "Rival",
            "provider_id": "rival",
            "server_url": "https://login.example.org/tenant/v2.0",
            "client_id": "c",
            "secret": "s",
            "domains": "example.nhs.scot",
        },
    )

    assert response.status_code == 200
    assert "example.nhs.scot already belongs to the organisation sign-in nhs-example" in (
        response.content.decode()
    )
    assert not OrganisationProvider.objects.exists()
