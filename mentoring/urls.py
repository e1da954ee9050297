from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("", views.hub, name="hub"),
    path("offer/", views.offer, name="offer"),
    path("mentors/", views.mentors, name="mentors"),
    path("request/", views.ask_for_mentor, name="ask"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("matches/<int:match_id>/", views.match, name="match"),
    path("matches/<int:match_id>/close/", views.match_close, name="close"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("cohorts/<int:cohort_id>/", views.cohort, name="cohort"),
]
