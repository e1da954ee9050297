"""A real OpenID Connect provider on 127.0.0.1 for the organisation sign-in tests.

It is oidc-provider-mock (Flask and Authlib): discovery, authorisation with its own sign-in
page, token and user information endpoints, keys, signed ID tokens. Its people are put in
through its HTTP API; a person's claims go into the ID token as they are, after the token's own,
so a person whose claims say another `aud` or a past `exp` gets a token with a wrong audience or
one already expired, signed by the provider like any other.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import oidc_provider_mock
import werkzeug.serving

from network.settings import sso_providers

CLIENT_ID = "improvement-network"
CLIENT_SECRET = "a-client-secret-for-tests"


@dataclass
class Provider:
    url: str

    def person(self, sub: str, /, **claims) -> None:
        """Someone who can sign in at the provider, with the claims it will assert."""
        response = httpx.put(f"{self.url}/users/{urllib.parse.quote(sub)}", json=claims)
        response.raise_for_status()

    def sign_in(self, authorize_url: str, sub: str) -> str:
        """Sign in at the provider's own page as `sub`: the address it sends the browser back to."""
        assert authorize_url.startswith(f"{self.url}/"), authorize_url
        response = httpx.post(authorize_url, data={"sub": sub})
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def config(self, provider_id: str = "nhs-example", **overrides) -> dict:
        """An entry of SSO_PROVIDERS for this provider (the network registered with it as
        CLIENT_ID, or another client ID when a test has several providers)."""
        return {
            "id": provider_id,
            "name": "NHS Example",
            "server_url": self.url,
            "client_id": CLIENT_ID
            if provider_id == "nhs-example"
            else f"{CLIENT_ID}-{provider_id}",
            "secret": CLIENT_SECRET,
            "domains": ["example.nhs.scot"],
            **overrides,
        }


@contextlib.contextmanager
def provider_running() -> Iterator[Provider]:
    # Authlib refuses plain HTTP unless told: this provider is on this machine only.
    with _environment("AUTHLIB_INSECURE_TRANSPORT", "1"):
        server = werkzeug.serving.make_server(
            "127.0.0.1", 0, oidc_provider_mock.app(), threaded=True
        )
        thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
        thread.start()
        try:
            yield Provider(url=f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            thread.join(timeout=5)
            server.server_close()


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def use_providers(settings, *entries: dict) -> None:
    """Configure the site as SSO_PROVIDERS with these entries would, with DEBUG on: the
    provider is on this machine, over plain HTTP."""
    apps = sso_providers(json.dumps(list(entries)), allow_plain_http=True)
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": apps},
    }
