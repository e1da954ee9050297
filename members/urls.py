from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.edit, name="edit"),
    path("me/notifications/", views.notifications, name="notifications"),
    path("me/notifications/read/", views.notifications_read, name="notifications_read"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/preferences/feeds/", views.feed_key_reset, name="feed_key_reset"),
    path(
        "me/preferences/organisation-accounts/disconnect/",
        views.organisation_disconnect,
        name="organisation_disconnect",
    ),
    path("me/export/", views.export, name="export"),
    path("me/second-factor/continue/", views.second_factor_continue, name="second_factor_continue"),
    path("me/delete/", views.close_account, name="delete"),
    path("<slug:slug>/", views.profile, name="profile"),
    path("<slug:slug>/photo/", views.photo, name="photo"),
]
