"""The Atom feeds at /feeds/: each app writes its own feed; here they get their addresses."""

from django.urls import path

from bulletins.feeds import BulletinArchiveFeed
from communities.feeds import CommunityThreadsFeed
from events.feeds import UpcomingEventsFeed
from resources.feeds import NewResourcesFeed

app_name = "feeds"

urlpatterns = [
    path("events/", UpcomingEventsFeed(), name="events"),
    path("bulletins/", BulletinArchiveFeed(), name="bulletins"),
    path("resources/", NewResourcesFeed(), name="resources"),
    path("communities/<slug:slug>/<str:key>/", CommunityThreadsFeed(), name="community"),
]
