from django.conf import settings
from django.urls import reverse

from members.services import unread_count

# The sections of the site, in the order the header shows them.
SECTIONS = [
    ("Members", "members:directory"),
    ("Communities", "communities:list"),
    ("Events", "events:list"),
    ("Mentoring", "mentoring:hub"),
    ("Projects", "projects:list"),
    ("Resources", "resources:list"),
    ("Bulletins", "bulletins:list"),
    ("Insights", "insights:dashboard"),
    ("Search", "search"),
]


def navigation(path: str = "") -> list[dict]:
    """The header's sections; the one holding `path` is marked (the exact page as the page)."""
    sections = []
    for title, url_name in SECTIONS:
        url = reverse(url_name)
        current = None
        if path == url:
            current = "page"
        elif path.startswith(url):
            current = "true"
        sections.append({"title": title, "url": url, "current": current})
    return sections


def site_context(path: str = "") -> dict:
    """What every page's layout needs that does not depend on who is asking."""
    return {"site_name": settings.SITE_NAME, "navigation": navigation(path)}


def site(request):
    unread = None
    member = getattr(request, "user", None)
    if member is not None and member.is_authenticated:
        unread = unread_count(member)
    return {**site_context(request.path), "unread_notifications": unread}
