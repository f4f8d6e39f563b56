"""The resident portal at /portal/ (shequ/cases/portal/): public, no login."""

from django.urls import path

from .portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("buildings/", views.building_search, name="buildings"),
    path("map/", views.map_data, name="map"),
    path("map/base/", views.map_base, name="map_base"),
    path("follow/", views.follow, name="follow"),
    path("cases/<str:number>/", views.case_page, name="case"),
    path("cases/<str:number>/evaluate/", views.evaluate, name="evaluate"),
    path("cases/<str:number>/photos/<int:pk>/", views.photo, name="photo"),
]
