from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/team/", views.team, name="team"),
    path("<slug:slug>/team/<int:place_id>/role/", views.team_role, name="team_role"),
    path("<slug:slug>/team/<int:place_id>/remove/", views.team_remove, name="team_remove"),
    path("<slug:slug>/helped/", views.helped, name="helped"),
]
