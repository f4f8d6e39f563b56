from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/remove/", views.calendar_remove, name="calendar_remove"),
]
