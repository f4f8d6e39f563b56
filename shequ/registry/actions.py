"""The audit actions of the registry, registered with `audit` from `RegistryConfig.ready()`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryAction(models.TextChoices):
    CREATE_AREA = "area:create", _("Created an area")
    CREATE_GRID = "grid:create", _("Created a grid")
    CHANGE_GRID_BOUNDARY = "grid:change_boundary", _("Changed a grid boundary")
    CREATE_MICRO_GRID = "micro_grid:create", _("Created a micro-grid")
    CREATE_BUILDING = "building:create", _("Created a building")
    REGISTER_RESIDENT = "resident:register", _("Registered a resident")
    UPDATE_RESIDENT = "resident:update", _("Changed a resident")
    RECORD_LIFE_EVENT = "resident:life_event", _("Recorded a life event")
    ADD_TAG = "resident:add_tag", _("Tagged a resident")
    REMOVE_TAG = "resident:remove_tag", _("Removed a resident tag")
    CREATE_HOUSEHOLD = "household:create", _("Created a household")
    SET_HOUSEHOLD_HEAD = "household:set_head", _("Changed the head of a household")
    DISSOLVE_HOUSEHOLD = "household:dissolve", _("Dissolved a household")
    REVEAL = "resident:reveal", _("Revealed ID/phone number")
    ID_CONFLICT = "resident:id_conflict", _("Entered an ID number held by another resident")
    CREATE_ORGANIZATION = "organization:create", _("Registered an organisation")
    REVEAL_LIMIT = "resident:reveal_limit", _("Reached the reveal limit")
    READ_REVEAL_ALERTS = "resident:reveal_alerts_read", _("Marked reveal limit alerts as read")
    EXPORT_REVEAL_REPORT = "resident:reveal_report_export", _("Exported the reveal report")
    REVEAL_CONTACT_PHONE = "organization:reveal", _("Revealed an organisation's contact phone")
    EXPORT_RESIDENTS = "resident:export", _("Exported residents")
    PRINT_RESIDENT = "resident:print", _("Printed a resident registration card")
    PRINT_HOUSEHOLD = "household:print", _("Printed a household card")
    PRINT_BUILDING = "building:print", _("Printed a building's floor chart")
    EXPORT_HOUSEHOLDS = "household:export", _("Exported households")
    EXPORT_BUILDINGS = "building:export", _("Exported buildings")
    START_IMPORT = "import:start", _("Started an import")
    IMPORT_RESIDENTS = "resident:import", _("Imported residents")
    LINK_LOGIN = "resident:link_login", _("Linked a resident's login")
