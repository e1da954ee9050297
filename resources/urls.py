from django.urls import path

from resources import views

app_name = "resources"

urlpatterns = [
    path("", views.resource_list, name="list"),
    path("new/", views.resource_create, name="create"),
    path("review/", views.review, name="review"),
    path("<slug:slug>/", views.resource_detail, name="detail"),
    path("<slug:slug>/edit/", views.resource_edit, name="edit"),
    path("<slug:slug>/file/", views.resource_file, name="file"),
    path("<slug:slug>/rate/", views.rate, name="rate"),
    path("<slug:slug>/used/", views.used, name="used"),
    path("<slug:slug>/curate/", views.curate, name="curate"),
]
