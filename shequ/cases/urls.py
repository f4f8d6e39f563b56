from django.urls import path

from .views import cases, figures, printing, setup

app_name = "cases"

# A plain list: each page module appends its own lines.
urlpatterns = [
    # running the loop (views/cases.py)
    path("", cases.case_list, name="list"),
    path("export/", cases.case_export, name="export"),
    path("batch/", cases.case_batch, name="batch"),
    path("new/", cases.case_new, name="new"),
    path("new/buildings/", cases.building_search, name="building_search"),
    path("todo/", cases.todo, name="todo"),
    path("<int:pk>/", cases.case_detail, name="detail"),
    path("<int:pk>/print.pdf", printing.case_pdf, name="print"),
    path("<int:pk>/attachments/<int:attachment_pk>/", cases.attachment, name="attachment"),
    path("<int:pk>/<slug:action>/", cases.case_action, name="action"),
    # figures and warnings (views/figures.py)
    path("figures/", figures.figures, name="figures"),
    path("figures/export/", figures.figures_export, name="figures_export"),
    path("warnings/", figures.warnings, name="warnings"),
    path("warnings/<int:pk>/acknowledge/", figures.warning_acknowledge, name="warning_acknowledge"),
    # configuration (views/setup.py)
    path("setup/", setup.setup, name="setup"),
    path("setup/categories/new/", setup.category_new, name="setup_category_new"),
    path("setup/categories/<int:pk>/", setup.category_edit, name="setup_category"),
    path("setup/rules/", setup.rules, name="setup_rules"),
    path("setup/rules/<int:pk>/", setup.rule_edit, name="setup_rule"),
    path("setup/units/", setup.units, name="setup_units"),
    path("setup/units/new/", setup.unit_new, name="setup_unit_new"),
    path("setup/units/<int:pk>/", setup.unit_detail, name="setup_unit"),
    path("setup/units/<int:pk>/members/", setup.unit_member_add, name="setup_unit_member_add"),
    path(
        "setup/units/<int:pk>/members/<int:user_pk>/remove/",
        setup.unit_member_remove,
        name="setup_unit_member_remove",
    ),
    path("setup/open311/", setup.open311, name="setup_open311"),
    path("setup/open311/<int:pk>/key/", setup.open311_key, name="setup_open311_key"),
    path("setup/open311/<int:pk>/deactivate/", setup.open311_deactivate, name="setup_open311_deactivate"),
]
