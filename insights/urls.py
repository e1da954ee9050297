from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stories/", views.story_list, name="stories"),
    path("stories/new/", views.story_create, name="story_create"),
    path("stories/review/", views.story_review_list, name="story_review_list"),
    path("stories/<int:story_id>/", views.story_detail, name="story"),
    path("stories/<int:story_id>/review/", views.story_review, name="story_review"),
    path("assessment/", views.assessment, name="assessment"),
    path("measures/<slug:key>.csv", views.measure_csv, name="measure_csv"),
    path("reach.csv", views.reach_csv, name="reach_csv"),
]
