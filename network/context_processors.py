from django.conf import settings
from django.urls import reverse

# The sections of the site, in the order the header shows them.
SECTIONS = [
    ("Members", "members"),
    ("Communities", "communities"),
    ("Events", "events"),
    ("Mentoring", "mentoring"),
    ("Resources", "resources"),
    ("Bulletins", "bulletins"),
    ("Insights", "insights"),
    ("Search", "search"),
]


def site(request):
    navigation = []
    for title, url_name in SECTIONS:
        url = reverse(url_name)
        navigation.append({"title": title, "url": url, "current": request.path.startswith(url)})
    return {"site_name": settings.SITE_NAME, "navigation": navigation}
