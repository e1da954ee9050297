from django.urls import path

from search import views

urlpatterns = [
    path("", views.search, name="search"),
    path("suggest/", views.search_suggest, name="search_suggest"),
]
