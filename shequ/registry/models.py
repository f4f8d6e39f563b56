"""The registry: standard addresses, actual population, housing and units (一标三实).

Every row that belongs somewhere carries `area_path`, the path of the deepest node it lies in
(community, grid or micro-grid), so scope is one indexed prefix filter (DESIGN rule 1).
Registry rows are never hard-deleted; `HistoricalRecords` keeps who changed what and why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shequ.core import codes, sealed
from shequ.core.models import TimeStamped
from shequ.core.sealed import SealKind
from shequ.places.models import InCommunity, InGrid, PathScoped, Placed, path_index


class LastFour(models.Func):
    """The last four characters of a text column, for the "last four digits" search.

    The length is written into the SQL, not passed as a parameter, so the query's expression is
    the index's expression and the database can use the index (SQLite matches expression indexes
    only literally)."""

    arity = 1
    output_field = models.CharField()
    template = "RIGHT(%(expressions)s, 4)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="SUBSTR(%(expressions)s, -4)", **extra)


class Building(Placed, TimeStamped):
    """A building at a standard address; code = community code + 5-digit sequence."""

    code = models.CharField(_("building code"), max_length=17, unique=True)
    name = models.CharField(_("name"), max_length=64)
    estate = models.CharField(_("residential estate"), max_length=64, blank=True)
    address = models.CharField(_("standard address"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    units = models.PositiveSmallIntegerField(_("stairwell units"), default=1)
    built_year = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]
        indexes = [path_index("building")]

    def __str__(self) -> str:
        return (
            f"{self.estate}{self.name}"
            if self.estate and not self.name.startswith(self.estate)
            else self.name
        )


class DwellingUse(models.TextChoices):
    OWNER_OCCUPIED = "owner", _("Owner-occupied")
    RENTED = "rented", _("Rented")
    VACANT = "vacant", _("Vacant")
    COMMERCIAL = "commercial", _("Commercial")
    OTHER = "other", _("Other")


class Dwelling(PathScoped, TimeStamped):
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="dwellings", verbose_name=_("building")
    )
    unit = models.CharField(_("unit"), max_length=8, blank=True)
    floor = models.SmallIntegerField(_("floor"), default=1)
    room = models.CharField(_("room"), max_length=16)
    use = models.CharField(
        _("use"), max_length=16, choices=DwellingUse.choices, default=DwellingUse.OWNER_OCCUPIED
    )
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building_id", "unit", "floor", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="registry_dwelling_unique"),
        ]
        indexes = [path_index("dwelling")]

    def __str__(self) -> str:
        return f"{self.building}{self.label}"

    @property
    def label(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{unit}{self.room}室"


class HouseholdType(models.TextChoices):
    REGISTERED = "registered", _("Registered household")
    FLOATING = "floating", _("Floating household")
    COLLECTIVE = "collective", _("Collective household")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")


class Household(InCommunity, TimeStamped):
    number = models.CharField(_("household number"), max_length=32)
    dwelling = models.ForeignKey(
        Dwelling,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("dwelling"),
    )
    household_type = models.CharField(
        _("household type"), max_length=16, choices=HouseholdType.choices, default=HouseholdType.REGISTERED
    )
    head = models.ForeignKey(
        "Resident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("head of household"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="registry_household_unique")
        ]
        indexes = [path_index("household")]

    def __str__(self) -> str:
        return self.number


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU = "hk_macau", _("Mainland travel permit for HK and Macau residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    FOREIGN_PR = "foreign_pr", _("Foreign permanent resident ID card")
    OTHER = "other", _("Other document")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("Registered population")
    FLOATING = "floating", _("Floating population")
    AWAY = "away", _("Registered but living away")
    FOREIGN = "foreign", _("Overseas person")


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", _("Living here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Resident(Placed, TimeStamped):
    """A person in the actual population (实有人口).

    ID and phone numbers are stored three ways: AES-GCM ciphertext (for reveal), a keyed digest
    (for exact lookup and de-duplication) and the masked form shown everywhere else.
    """

    name = models.CharField(_("name"), max_length=64)
    name_pinyin = models.CharField(_("name (pinyin)"), max_length=128, blank=True, db_index=True)
    name_initials = models.CharField(_("name (initials)"), max_length=32, blank=True, db_index=True)
    id_type = models.CharField(
        _("document type"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number_cipher, id_number_digest, id_number_masked = sealed.fields(
        _("ID number"), SealKind.ID_NUMBER, masked_length=32
    )
    gender = models.CharField(_("sex"), max_length=1, blank=True)  # GB/T 2261.1 code
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, blank=True)  # GB 3304
    political_status = models.CharField(_("political status"), max_length=2, blank=True)  # GB/T 4762
    education = models.CharField(_("education"), max_length=2, blank=True)  # GB/T 4658
    marital_status = models.CharField(_("marital status"), max_length=2, blank=True)  # GB/T 2261.2
    phone_cipher, phone_digest, phone_masked = sealed.fields(_("phone"), SealKind.PHONE, digest_index=True)
    hukou_address = models.CharField(_("registered (hukou) address"), max_length=200, blank=True)
    residence_type = models.CharField(
        _("residence type"), max_length=16, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("household"),
    )
    relation_to_head = models.CharField(_("relation to head"), max_length=2, blank=True)  # GB/T 4761
    dwelling = models.ForeignKey(
        Dwelling,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("dwelling"),
    )
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE
    )
    tags: models.ManyToManyField[TagType, ResidentTag] = models.ManyToManyField(
        "TagType", through="ResidentTag", related_name="residents", verbose_name=_("tags")
    )
    # The resident's own login, so the portal can show them their household (docs/roles.md). Set
    # only through services.link_login; the audit log, not the history, records who linked it.
    login = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_record",
        verbose_name=_("login"),
    )
    history = HistoricalRecords(excluded_fields=["name_pinyin", "name_initials", "login"])

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["area_path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest=""),
                name="registry_resident_id_unique",
            ),
        ]
        indexes = [
            path_index("resident"),
            # The lists' order (Meta.ordering), so a page of a district's million residents stops at
            # 50 rows instead of sorting them all: the pattern-ops path index cannot give ORDER BY.
            models.Index(fields=["area_path", "id"], name="registry_resident_list_order"),
            models.Index(fields=["id_number_digest"], name="registry_resident_id_digest"),
            models.Index(fields=["name"], name="registry_resident_name"),
            models.Index(fields=["birth_date"], name="registry_resident_birth"),
            models.Index(fields=["status", "area_path"], name="registry_resident_status"),
            # Search by the last four digits (selectors.search_residents).
            models.Index(LastFour("phone_masked"), name="registry_resident_phone4"),
            models.Index(LastFour("id_number_masked"), name="registry_resident_id4"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = dt.date.today()  # noqa: DTZ011
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )


class ResidentNameGram(models.Model):
    """One 1- or 2-character piece of a resident's folded name: the index behind substring search
    by name (namegrams.py). Kept by the code that writes names, not by the user; no history."""

    pk = models.CompositePrimaryKey("gram", "resident")  # the (gram, resident) index search reads
    gram = models.CharField(max_length=2)
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.gram}:{self.resident_id}"


class TagType(models.Model):
    """A key-population tag. `restricted` tags are seen only by roles that need them (PIPL)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32)
    # What English pages show; exports, imports and the API keep `name`.
    name_en = models.CharField(_("English name"), max_length=64, blank=True)
    group = models.CharField(_("group"), max_length=32, blank=True)
    restricted = models.BooleanField(_("restricted"), default=False)
    visit_interval_days = models.PositiveSmallIntegerField(
        _("visit every (days)"),
        null=True,
        blank=True,
        help_text=_("How often a tagged resident should be visited; empty for no rule."),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return codes.display_name(self.name, self.name_en)


class ResidentTag(PathScoped, TimeStamped):
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="tag_links", verbose_name=_("resident")
    )
    tag = models.ForeignKey(TagType, on_delete=models.PROTECT, related_name="links", verbose_name=_("tag"))
    since = models.DateField(_("since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    disability_category = models.CharField(_("disability category"), max_length=1, blank=True)
    disability_grade = models.CharField(_("disability grade"), max_length=1, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resident tag")
        verbose_name_plural = _("resident tags")
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="registry_resident_tag_unique")
        ]
        indexes = [path_index("residenttag")]

    def __str__(self) -> str:
        return f"{self.resident_id}:{self.tag_id}"


class OrgKind(models.TextChoices):
    COMPANY = "company", _("Company")
    SOCIAL_ORG = "social_org", _("Social organisation")
    PROPERTY = "property", _("Property management company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    COOPERATIVE = "cooperative", _("Cooperative")
    PUBLIC = "public", _("Government or public institution")
    SHOP = "shop", _("Individual business")
    OTHER = "other", _("Other")


# An organisation's contact phone is keyed apart from residents' phones: nothing matches across.
ORGANIZATION_PHONE = "organization_phone"


class Organization(InGrid, TimeStamped):
    """A unit in the area (实有单位)."""

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices, default=OrgKind.COMPANY)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone_cipher, contact_phone_digest, contact_phone_masked = sealed.fields(
        _("contact phone"), SealKind.PHONE, purpose=ORGANIZATION_PHONE, masked_length=32
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    building = models.ForeignKey(
        Building,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("building"),
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    active = models.BooleanField(_("in operation"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["area_path", "name"]
        indexes = [path_index("organization")]

    def __str__(self) -> str:
        return self.name


class LifeEventKind(models.TextChoices):
    MOVE_IN = "move_in", _("Moved in")
    MOVE_OUT = "move_out", _("Moved out")
    BIRTH = "birth", _("Birth")
    DEATH = "death", _("Death")
    CHANGE_HOUSEHOLD = "change_household", _("Changed household")


class LifeEvent(PathScoped):
    """A change in a resident's life that changes status instead of deleting anything. Immutable."""

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="life_events", verbose_name=_("resident")
    )
    kind = models.CharField(_("event"), max_length=32, choices=LifeEventKind.choices)
    date = models.DateField(_("date"))
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["-date", "-id"]
        indexes = [path_index("lifeevent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Could not read the file")


class ImportJob(TimeStamped):
    """A resident import: the uploaded file, its header mapping, progress and the row errors."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    dry_run = models.BooleanField(_("check only"), default=False)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0, help_text=_("Blank and total rows."))
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The address the upload came from: each batch's audit record carries it (DESIGN: imports audited).
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))


class RevealPurpose(models.TextChoices):
    """Why a worker needs a full ID or phone number: the purposes a county's PIPL register lists."""

    VERIFY_IDENTITY = "verify_identity", _("Verify identity")
    HANDLE_SERVICE = "handle_service", _("Handle a service request")
    CONTACT_VISIT = "contact_visit", _("Contact or home visit")
    ASSIST_INVESTIGATION = "assist_investigation", _("Assist a law-enforcement investigation")
    OTHER = "other", _("Other")


class RevealAlert(PathScoped):
    """A worker hit the reveal limit (SHEQU_REVEAL_LIMIT_PER_HOUR / _PER_DAY): one row per worker
    and day, filed where the worker works so their community head (and the street and district
    above) sees it. Later refusals on the same day only count up `refusals`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    day = models.DateField(_("day"))
    refusals = models.PositiveIntegerField(_("refused reveals"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    seen_at = models.DateTimeField(_("seen"), null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("seen by"),
    )

    class Meta:
        verbose_name = _("reveal limit alert")
        verbose_name_plural = _("reveal limit alerts")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="registry_revealalert_user_day")]
        indexes = [path_index("revealalert")]

    def __str__(self) -> str:
        return f"{self.day} {self.user}"
