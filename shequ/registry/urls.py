from django.urls import path
from django.views.generic import TemplateView

app_name = "registry"

urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="dashboard"),
]

# --- pages: residents, households, buildings, grids, map (views/residents.py, views/places.py) ---
urlpatterns += []

# --- import and export (views/imports.py) ---
urlpatterns += []
