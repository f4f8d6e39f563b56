from django.urls import path

from .views import create, grids, organizations, places, residents

app_name = "registry"

# The dashboard (工作台, "" → registry:dashboard) is insight's view: shequ/urls.py puts it at the head
# of this namespace, so every page's breadcrumb keeps its name and the registry imports no app above it.

# --- pages: residents, households, buildings, grids, map (views/residents.py, views/places.py) ---
urlpatterns = [
    path("residents/", residents.resident_list, name="residents"),
    path("residents/new/", create.resident_create, name="resident_create"),
    path("households/new/", create.household_create, name="household_create"),
    path("buildings/new/", create.building_create, name="building_create"),
    path("organizations/new/", create.organization_create, name="organization_create"),
    path("residents/export/", residents.resident_export, name="residents_export"),
    path("residents/batch/", residents.resident_batch, name="residents_batch"),
    path("residents/<int:pk>/", residents.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", residents.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal/", residents.resident_reveal, name="resident_reveal"),
    path("residents/<int:pk>/tags/", residents.resident_tags, name="resident_tags"),
    path("residents/<int:pk>/events/", residents.resident_event, name="resident_event"),
    path("residents/<int:pk>/login/", residents.resident_login, name="resident_login"),
    path("households/", residents.household_list, name="households"),
    path("households/export/", residents.household_export, name="households_export"),
    path("households/<int:pk>/", residents.household_detail, name="household_detail"),
    path("buildings/", places.building_list, name="buildings"),
    path("buildings/export/", places.building_export, name="buildings_export"),
    path("buildings/<int:pk>/", places.building_detail, name="building_detail"),
    path(
        "buildings/<int:pk>/dwellings/<int:dwelling_pk>/",
        places.dwelling_residents,
        name="dwelling_residents",
    ),
    path("grids/", places.grid_list, name="grids"),
    path("places/search/", places.place_search, name="place_search"),
    path("grids/<int:pk>/", grids.grid_detail, name="grid_detail"),
    path("organizations/", places.organization_list, name="organizations"),
    path("organizations/<int:pk>/", organizations.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/reveal/", organizations.organization_reveal, name="organization_reveal"),
    path("map/", places.map_page, name="map"),
    path("map/data/", places.map_data, name="map_data"),
    path("map/base/", places.map_base, name="map_base"),
]

# --- import and export (views/imports.py) ---
from .views import imports as import_views  # noqa: E402

urlpatterns += [
    path("import/", import_views.import_start, name="import_start"),
    path("import/history/", import_views.import_list, name="import_list"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/mapping/", import_views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:pk>/errors.xlsx", import_views.import_errors, name="import_errors"),
]

# --- printed forms as PDF (views/printing.py) ---
from .views import printing as print_views  # noqa: E402

urlpatterns += [
    path("residents/<int:pk>/print.pdf", print_views.resident_pdf, name="resident_pdf"),
    path("households/<int:pk>/print.pdf", print_views.household_pdf, name="household_pdf"),
    path("buildings/<int:pk>/print.pdf", print_views.building_pdf, name="building_pdf"),
]

# --- the reveal report (views/reveals.py) ---
from .views import reveals as reveal_views  # noqa: E402

urlpatterns += [
    path("reveals/", reveal_views.reveal_list, name="reveals"),
    path("reveals/export/", reveal_views.reveal_export, name="reveals_export"),
    path("reveals/alerts/read/", reveal_views.reveal_alerts_read, name="reveal_alerts_read"),
]
