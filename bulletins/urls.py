from django.urls import path

from bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("", views.bulletin_list, name="list"),
    path("new/", views.bulletin_create, name="create"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/", views.bulletin_detail, name="detail"),
    path("<slug:slug>/edit/", views.bulletin_edit, name="edit"),
    path("<slug:slug>/sections/new/", views.section_edit, name="section_create"),
    path("<slug:slug>/sections/<int:section_id>/", views.section_edit, name="section_edit"),
    path(
        "<slug:slug>/sections/<int:section_id>/delete/",
        views.section_delete,
        name="section_delete",
    ),
    path("<slug:slug>/email/", views.bulletin_email, name="email"),
    path("<slug:slug>/test/", views.bulletin_test, name="test"),
    path("<slug:slug>/audience/", views.bulletin_audience, name="audience"),
    path("<slug:slug>/send/confirm/", views.bulletin_confirm, name="confirm"),
    path("<slug:slug>/send/", views.bulletin_send, name="send"),
    path("<slug:slug>/progress/", views.bulletin_progress, name="progress"),
    path("<slug:slug>/retry/", views.bulletin_retry, name="retry"),
]
