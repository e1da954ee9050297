from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("ideas/<slug:slug>/", views.idea, name="idea"),
    path("ideas/<slug:slug>/adopt/", views.idea_adopt, name="idea_adopt"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/team/", views.team, name="team"),
    path("<slug:slug>/team/<int:place_id>/role/", views.team_role, name="team_role"),
    path("<slug:slug>/team/<int:place_id>/remove/", views.team_remove, name="team_remove"),
    path("<slug:slug>/helped/", views.helped, name="helped"),
    path("<slug:slug>/measures/new/", views.measure_create, name="measure_create"),
    path("<slug:slug>/measures/<int:measure_id>/", views.measure_detail, name="measure"),
    path("<slug:slug>/measures/<int:measure_id>/edit/", views.measure_edit, name="measure_edit"),
    path(
        "<slug:slug>/measures/<int:measure_id>/delete/",
        views.measure_delete,
        name="measure_delete",
    ),
    path("<slug:slug>/measures/<int:measure_id>/data/", views.measure_data, name="measure_data"),
    path(
        "<slug:slug>/measures/<int:measure_id>/data/upload/",
        views.measure_upload,
        name="measure_upload",
    ),
    path(
        "<slug:slug>/measures/<int:measure_id>/phases/",
        views.measure_phases,
        name="measure_phases",
    ),
    path(
        "<slug:slug>/measures/<int:measure_id>/phases/<int:phase_id>/remove/",
        views.phase_remove,
        name="phase_remove",
    ),
    path("<slug:slug>/diagram/", views.diagram, name="diagram"),
    path(
        "<slug:slug>/diagram/drivers/<int:pk>/remove/",
        views.diagram_remove,
        {"kind": "driver"},
        name="driver_remove",
    ),
    path(
        "<slug:slug>/diagram/ideas/<int:pk>/remove/",
        views.diagram_remove,
        {"kind": "idea"},
        name="idea_remove",
    ),
    path("<slug:slug>/ideas/<int:pk>/edit/", views.idea_edit, name="idea_edit"),
    path("<slug:slug>/ideas/<int:pk>/cycles/new/", views.cycle_create, name="cycle_create"),
    path(
        "<slug:slug>/ideas/<int:pk>/cycles/<int:number>/edit/",
        views.cycle_edit,
        name="cycle_edit",
    ),
    path(
        "<slug:slug>/ideas/<int:pk>/cycles/<int:number>/remove/",
        views.cycle_remove,
        name="cycle_remove",
    ),
]
