from django.urls import path

from . import views

app_name = "audit"  # the URL names stay audit:events, as before the pages moved here
urlpatterns = [
    path("", views.events, name="events"),
]
