from django.urls import path

from . import views

app_name = "insight"

# The dashboard itself keeps its address and name, registry:dashboard (shequ/urls.py).
urlpatterns = [
    path("figures/refresh/", views.refresh, name="refresh"),
]
