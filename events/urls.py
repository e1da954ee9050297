from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("my-calendar/", views.my_calendar, name="my_calendar"),
    path("feed/<str:token>.ics", views.personal_feed, name="feed"),
    # Before the events' own paths: "series/new/" would read as the event "series" otherwise.
    path("series/new/", views.series_create, name="series_create"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("series/<slug:slug>/edit/", views.series_edit, name="series_edit"),
    path("series/<slug:slug>/register/", views.series_register, name="series_register"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/cancel-event/", views.event_cancel, name="cancel_event"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/answers/", views.answers, name="answers"),
    path("<slug:slug>/questions/", views.questions, name="questions"),
    path("<slug:slug>/questions/<int:question_id>/", views.question_edit, name="question_edit"),
    path(
        "<slug:slug>/questions/<int:question_id>/remove/",
        views.question_remove,
        name="question_remove",
    ),
    path("<slug:slug>/cancel/", views.cancel, name="cancel"),
    path("<slug:slug>/claim/<int:registration_id>/", views.claim, name="claim"),
    path("<slug:slug>/calendar.ics", views.calendar_file, name="calendar"),
    path("<slug:slug>/attendees/", views.attendees, name="attendees"),
    path("<slug:slug>/check-in/", views.check_in, name="check_in"),
    path("<slug:slug>/attendees/add/", views.add_attendee, name="add_attendee"),
    path("<slug:slug>/attendees/message/", views.message_registrants, name="message"),
    path("<slug:slug>/feedback/", views.feedback, name="feedback"),
    path("<slug:slug>/certificate/", views.certificate, name="certificate"),
    path("<slug:slug>/slides/", views.slides, name="slides"),
]
