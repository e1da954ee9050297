from django.contrib import admin
from django.urls import include, path

from network import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

# Placeholders keep the navigation honest until each capability replaces its own.
urlpatterns += [
    path(f"{section}/", views.section, {"section": section}, name=section)
    for section in views.SECTIONS
]
