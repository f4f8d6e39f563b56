from django.urls import path

from .views import dashboard, places, residents

app_name = "registry"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
]

# --- pages: residents, households, buildings, grids, map (views/residents.py, views/places.py) ---
urlpatterns += [
    path("residents/", residents.resident_list, name="residents"),
    path("residents/export/", residents.resident_export, name="residents_export"),
    path("residents/<int:pk>/", residents.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", residents.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal/", residents.resident_reveal, name="resident_reveal"),
    path("residents/<int:pk>/tags/", residents.resident_tags, name="resident_tags"),
    path("residents/<int:pk>/events/", residents.resident_event, name="resident_event"),
    path("households/", residents.household_list, name="households"),
    path("households/export/", residents.household_export, name="households_export"),
    path("households/<int:pk>/", residents.household_detail, name="household_detail"),
    path("buildings/", places.building_list, name="buildings"),
    path("buildings/export/", places.building_export, name="buildings_export"),
    path("buildings/<int:pk>/", places.building_detail, name="building_detail"),
    path("buildings/<int:pk>/dwellings/<int:dwelling_pk>/", places.dwelling_residents, name="dwelling_residents"),
    path("grids/", places.grid_list, name="grids"),
    path("organizations/", places.organization_list, name="organizations"),
    path("map/", places.map_page, name="map"),
    path("map/data/", places.map_data, name="map_data"),
]

# --- import and export (views/imports.py) ---
urlpatterns += []
