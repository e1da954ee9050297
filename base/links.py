"""Links that leave the site (e-mails, calendar files, feeds) are built here, from SITE_URL
alone: never from a request's Host header, which a visitor chooses."""

import urllib.parse

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """The full address of a path on this site ("/events/x/" → "https://…/events/x/")."""
    if not path.startswith("/"):
        raise ValueError(f"A path on the site starts with '/': {path!r}")
    return f"{settings.SITE_URL}{path}"


def absolute_reverse(viewname: str, *args, **kwargs) -> str:
    """absolute_url of a named page: absolute_reverse("events:detail", slug=…)."""
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))


def site_host() -> str:
    """The site's host name, for calendar UIDs and mail headers."""
    return urllib.parse.urlsplit(settings.SITE_URL).hostname or "localhost"


def site_address() -> str:
    """SITE_URL without its scheme ("network.example.org", "127.0.0.1:8000"): what calendar UIDs
    have always carried. Changing it would duplicate every event in members' calendars."""
    return settings.SITE_URL.split("://", 1)[-1]
