"""A local OpenID Connect provider with a demo organisation, to try organisation sign-in.

    python -m tooling.sso_demo [--port 9400]      (or: make sso-demo)

It runs oidc-provider-mock on 127.0.0.1 with two fictional staff of "NHS Fife (demo)" and prints
the SSO_PROVIDERS value that points `make run` at it. Its sign-in page has a button for each
person: no password, nothing leaves this machine. Like the rest of tooling/, nothing that serves
members imports it, and it imports nothing from Django.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import warnings

DEMO_ORGANISATION = "nhs-fife"  # one of tooling/seed/organisations.csv, loaded by seed_demo
DEMO_DOMAIN = "nhs-fife.example.org"
DEMO_PEOPLE = [
    {
        "sub": f"eilidh.fraser@{DEMO_DOMAIN}",
        "email": f"eilidh.fraser@{DEMO_DOMAIN}",
        "email_verified": True,
        "name": "Eilidh Fraser",
        "given_name": "Eilidh",
        "family_name": "Fraser",
        "job_title": "Falls prevention lead",
        # Signed in at her organisation with a second factor.
        "amr": ["pwd", "mfa"],
    },
    {
        "sub": f"callum.reid@{DEMO_DOMAIN}",
        "email": f"callum.reid@{DEMO_DOMAIN}",
        "email_verified": True,
        "name": "Callum Reid",
        "given_name": "Callum",
        "family_name": "Reid",
        "job_title": "Charge nurse",
        "amr": ["pwd"],
    },
]


def provider_entry(port: int) -> dict:
    """The demo organisation's entry of SSO_PROVIDERS."""
    return {
        "id": "nhs-fife-demo",
        "name": "NHS Fife (demo)",
        "server_url": f"http://127.0.0.1:{port}",
        "client_id": "improvement-network-demo",
        "secret": "demo-secret-for-this-machine-only",
        "domains": [DEMO_DOMAIN],
        "organisation": DEMO_ORGANISATION,
    }


def instructions(port: int, site_port: int = 8000) -> str:
    value = json.dumps([provider_entry(port)], separators=(",", ":"))
    people = "\n".join(f"    {person['email']}  ({person['job_title']})" for person in DEMO_PEOPLE)
    return f"""\
A demo organisation's sign-in is running at http://127.0.0.1:{port}/ (Ctrl-C stops it).

In another terminal, start the site with it:

    SSO_PROVIDERS={shlex.quote(value)} make run

Then open http://127.0.0.1:{site_port}/accounts/login/, type one of these work addresses under
"Sign in with your organisation's account" and press the button with the same address on the
provider's page:

{people}

The first time, you confirm your name and privacy choices and land on your profile, with the
job title and organisation (NHS Fife) filled in.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.sso_demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=9400)
    args = parser.parse_args(argv)

    # Its libraries' notices about their own future versions are nothing a newcomer can act on.
    # Authlib asks on import for its own to be shown always, so they are silenced after it.
    warnings.simplefilter("ignore", DeprecationWarning)
    import authlib.deprecate

    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    import oidc_provider_mock
    import werkzeug.serving

    # Authlib refuses plain HTTP unless told: this provider answers on this machine only.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    people = [
        oidc_provider_mock.User(
            sub=person["sub"], claims={k: v for k, v in person.items() if k != "sub"}
        )
        for person in DEMO_PEOPLE
    ]
    try:
        server = werkzeug.serving.make_server(
            "127.0.0.1", args.port, oidc_provider_mock.app(user_claims=people), threaded=True
        )
    except OSError as error:
        print(f"Port {args.port} is taken ({error}): try --port 9401.", file=sys.stderr)
        return 1
    print(instructions(args.port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
