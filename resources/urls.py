from django.urls import path

from resources import views

app_name = "resources"

urlpatterns = [
    path("resources/", views.resource_list, name="list"),
    path("resources/new/", views.resource_create, name="create"),
    path("resources/review/", views.review, name="review"),
    path("resources/<slug:slug>/", views.resource_detail, name="detail"),
    path("resources/<slug:slug>/edit/", views.resource_edit, name="edit"),
    path("resources/<slug:slug>/file/", views.resource_file, name="file"),
    path("resources/<slug:slug>/rate/", views.rate, name="rate"),
    path("resources/<slug:slug>/used/", views.used, name="used"),
    path("resources/<slug:slug>/curate/", views.curate, name="curate"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/new/", views.bulletin_create, name="bulletin_create"),
    path("bulletins/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("bulletins/<slug:slug>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<slug:slug>/edit/", views.bulletin_edit, name="bulletin_edit"),
    path("bulletins/<slug:slug>/sections/new/", views.section_edit, name="section_create"),
    path(
        "bulletins/<slug:slug>/sections/<int:section_id>/", views.section_edit, name="section_edit"
    ),
    path(
        "bulletins/<slug:slug>/sections/<int:section_id>/delete/",
        views.section_delete,
        name="section_delete",
    ),
    path("bulletins/<slug:slug>/email/", views.bulletin_email, name="bulletin_email"),
    path("bulletins/<slug:slug>/test/", views.bulletin_test, name="bulletin_test"),
    path("bulletins/<slug:slug>/send/", views.bulletin_send, name="bulletin_send"),
    path("bulletins/<slug:slug>/progress/", views.bulletin_progress, name="bulletin_progress"),
    path("bulletins/<slug:slug>/retry/", views.bulletin_retry, name="bulletin_retry"),
]
