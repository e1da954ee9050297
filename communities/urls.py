from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("", views.community_list, name="list"),
    path("new/", views.community_create, name="create"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("founders/<int:member_id>/", views.founder, name="founder"),
    path("<slug:slug>/", views.community_detail, name="detail"),
    path("<slug:slug>/edit/", views.community_edit, name="edit"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/digest/", views.digest, name="digest"),
    path("<slug:slug>/requests/", views.join_requests, name="requests"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/<int:member_id>/moderator/", views.moderator, name="moderator"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/reports/", views.reports, name="reports"),
    path("<slug:slug>/threads/new/", views.thread_new, name="thread_new"),
    path("<slug:slug>/threads/<int:thread_id>/", views.thread, name="thread"),
    path(
        "<slug:slug>/threads/<int:thread_id>/<str:action>/",
        views.thread_action,
        name="thread_action",
    ),
    path("<slug:slug>/posts/<int:post_id>/report/", views.report, name="report"),
    path("<slug:slug>/posts/<int:post_id>/<str:action>/", views.post_action, name="post_action"),
]
