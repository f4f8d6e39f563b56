from django.urls import path

from . import field, views

app_name = "insight"

# The dashboard itself keeps its address and name, registry:dashboard (shequ/urls.py).
urlpatterns = [
    path("figures/refresh/", views.refresh, name="refresh"),
    path("home/", field.home, name="field_home"),
]
