"""Cases: incidents and residents' demands, and the closed loop that handles them (docs/cases.md).

A case row holds where the case stands now; its file (案卷) is the list of `CaseEvent` rows, which
are written once and never changed or deleted. Corrections are new events. Business rules live in
`services.py`; the models keep only what belongs to one row.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from shequ.core import codes, sealed
from shequ.core.models import TimeStamped
from shequ.core.sealed import SealKind
from shequ.places.models import PATH_INDEX_OPS, InGrid, PathScoped, path_index


class Stage(models.TextChoices):
    """The nodes of the loop that run on a clock (GB/T 30428)."""

    ACCEPT = "accept", _("Acceptance")
    DISPATCH = "dispatch", _("Dispatch")
    HANDLE = "handle", _("Handling")
    VERIFY = "verify", _("Verification")


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Awaiting dispatch")
    DISPATCHED = "dispatched", _("Awaiting the unit")
    HANDLING = "handling", _("Being handled")
    REPLIED = "replied", _("Awaiting verification")
    TO_EVALUATE = "to_evaluate", _("Awaiting evaluation")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    REFUSED = "refused", _("Not accepted")
    SUSPENDED = "suspended", _("Suspended")
    MERGED = "merged", _("Merged")


# Statuses in which somebody still owes work. A suspended case is open but its clock stands still.
OPEN_STATUSES = (
    CaseStatus.REPORTED,
    CaseStatus.ACCEPTED,
    CaseStatus.DISPATCHED,
    CaseStatus.HANDLING,
    CaseStatus.REPLIED,
    CaseStatus.SUSPENDED,
)
FINISHED_STATUSES = (CaseStatus.CLOSED, CaseStatus.REFUSED, CaseStatus.MERGED)
STAGE_OF_STATUS = {
    CaseStatus.REPORTED: Stage.ACCEPT,
    CaseStatus.ACCEPTED: Stage.DISPATCH,
    CaseStatus.DISPATCHED: Stage.HANDLE,
    CaseStatus.HANDLING: Stage.HANDLE,
    CaseStatus.REPLIED: Stage.VERIFY,
}


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Source(models.TextChoices):
    PORTAL = "portal", _("Resident portal")
    GRID = "grid", _("Grid worker")
    WINDOW = "window", _("Service window")
    HOTLINE = "hotline", _("Hotline (12345)")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311 client")


class Level(models.TextChoices):
    """Who is responsible for dispatching: the community, or the street or district it was escalated to."""

    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District/county")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Light(models.TextChoices):
    """Traffic light of the running clock (DESIGN rule 6)."""

    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")


class UnitKind(models.TextChoices):
    COMMUNITY = "community", _("Community")
    STREET_SECTION = "street_section", _("Street office section")
    DEPARTMENT = "department", _("County department")
    PROPERTY = "property", _("Property management company")
    UTILITY = "utility", _("Utility company")
    OTHER = "other", _("Other unit")


class HandlerUnit(PathScoped, TimeStamped):
    """A unit cases are dispatched to: a community, a street section, a department, a company."""

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    area = models.ForeignKey(
        "places.Area", on_delete=models.PROTECT, related_name="handler_units", verbose_name=_("serves")
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="UnitMember",
        related_name="handler_units",
        verbose_name=_("members"),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("handler unit")
        verbose_name_plural = _("handler units")
        ordering = ["area_path", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="cases_unit_unique_name")]
        indexes = [path_index("handlerunit", app="cases")]  # units_visible_to filters by path prefix

    def __str__(self) -> str:
        return self.name


class UnitMember(models.Model):
    unit = models.ForeignKey(HandlerUnit, on_delete=models.CASCADE, verbose_name=_("handler unit"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user"))
    is_lead = models.BooleanField(_("unit lead"), default=False)

    class Meta:
        verbose_name = _("unit member")
        verbose_name_plural = _("unit members")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="cases_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class CaseCategory(TimeStamped):
    """A node of the category tree, with its time limits in working hours and its usual unit."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    # What English pages show; exports, imports, the API and Open311 keep `name`.
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    public = models.BooleanField(
        _("residents may report"),
        default=True,
        help_text=_("Offered on the resident portal and to Open311 clients."),
    )
    # Off by default: a new category's cases stay inside until an admin decides they may be
    # published. Disputes and requests for help (family, neighbours, livelihood) stay off.
    published = models.BooleanField(
        _("published on Open311"),
        default=False,
        help_text=_(
            "Accepted cases appear in the public Open311 list, numbers masked and located only to "
            "the building or road. Keep off for disputes and requests for help."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    accept_hours = models.DecimalField(_("accept within (working hours)"), max_digits=6, decimal_places=1)
    dispatch_hours = models.DecimalField(_("dispatch within (working hours)"), max_digits=6, decimal_places=1)
    handle_hours = models.DecimalField(_("handle within (working hours)"), max_digits=6, decimal_places=1)
    verify_hours = models.DecimalField(_("verify within (working hours)"), max_digits=6, decimal_places=1)
    default_unit = models.ForeignKey(
        HandlerUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default handler unit"),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return codes.display_name(self.name, self.name_en)

    def limit_hours(self, stage: str) -> float:
        return float(getattr(self, f"{stage}_hours"))


class Open311Client(TimeStamped):
    """An outside system that may post requests through Open311. Only a digest of its key is kept."""

    name = models.CharField(_("client name"), max_length=64, unique=True)
    key_prefix = models.CharField(_("key prefix"), max_length=8)
    key_digest = models.CharField(_("key digest"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DailyCounter(models.Model):
    """The last case number handed out on a day; locked row by row so numbers never repeat."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Case(InGrid, TimeStamped):
    number = models.CharField(_("case number"), max_length=16, unique=True)
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(
        CaseCategory, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category")
    )
    description = models.TextField(_("description"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.COMMUNITY)
    # Where (with InGrid's community, grid and area_path): building and point when the reporter gave them.
    building = models.ForeignKey(
        "registry.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("building"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Who reported it. The phone is how a resident follows the case, so it is kept, encrypted.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
        verbose_name=_("reported by (user)"),
    )
    reporter_name = models.CharField(_("reporter"), max_length=64, blank=True)
    # Its own digest purpose: a reporter's phone is not matched against the registry's numbers.
    reporter_phone_cipher, reporter_phone_digest, reporter_phone_masked = sealed.fields(
        _("reporter phone"), SealKind.PHONE, purpose="case_phone"
    )
    open311_client = models.ForeignKey(
        Open311Client,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("Open311 client"),
    )
    external_id = models.CharField(_("external number"), max_length=64, blank=True)
    # Who handles it.
    lead_unit = models.ForeignKey(
        HandlerUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
        verbose_name=_("lead unit"),
    )
    co_units = models.ManyToManyField(
        HandlerUnit, blank=True, related_name="co_cases", verbose_name=_("co-handling units")
    )
    # The clock of the current stage (working time, core.calendar).
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField(_("stage started"), null=True, blank=True)
    limit_hours = models.FloatField(_("limit (working hours)"), null=True, blank=True)
    warn_at = models.DateTimeField(_("due soon from"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices, blank=True)
    suspended_status = models.CharField(max_length=12, choices=CaseStatus.choices, blank=True)
    remaining_hours = models.FloatField(null=True, blank=True)  # left on the clock when suspended
    rules_applied = models.JSONField(default=list, blank=True)  # escalation rules fired in this stage
    # Milestones, for the figures.
    reported_at = models.DateTimeField(_("reported"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    overdue_ever = models.BooleanField(_("was overdue"), default=False)
    handling_hours = models.FloatField(_("handling time (working hours)"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    supervise_count = models.PositiveSmallIntegerField(_("supervised"), default=0)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        verbose_name=_("merged into"),
    )
    status_notes = models.CharField(_("note for the reporter"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["area_path"], name="cases_case_area_path", opclasses=PATH_INDEX_OPS),
            models.Index(fields=["status", "area_path"], name="cases_case_status_path"),
            models.Index(fields=["category", "reported_at"], name="cases_case_category_time"),
            models.Index(fields=["light", "status"], name="cases_case_light"),
            models.Index(fields=["reporter_phone_digest"], name="cases_case_phone"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventAction(models.TextChoices):
    REPORT = "report", _("Reported")
    ACCEPT = "accept", _("Accepted")
    REFUSE = "refuse", _("Not accepted")
    DISPATCH = "dispatch", _("Dispatched")
    TAKE = "take", _("Taken by the unit")
    RETURN = "return", _("Returned by the unit")
    REPLY = "reply", _("Handling reply")
    ASSIST = "assist", _("Co-handling note")
    VERIFY_PASS = "verify_pass", _("Verified")
    VERIFY_FAIL = "verify_fail", _("Verification failed")
    EVALUATE = "evaluate", _("Evaluated")
    REOPEN = "reopen", _("Reopened")
    ESCALATE = "escalate", _("Escalated")
    SUSPEND = "suspend", _("Suspended")
    RESUME = "resume", _("Resumed")
    MERGE = "merge", _("Merged")
    SUPERVISE = "supervise", _("Supervised")
    REMIND = "remind", _("Reminder")
    WARN = "warn", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    CLOSE = "close", pgettext_lazy("case event", "Closed")
    COMMENT = "comment", _("Comment")
    CORRECT = "correct", _("Correction")


class ImmutableQuerySet(models.QuerySet[Any]):
    """A case file is written once: bulk updates and deletes are refused like single ones."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("case file entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("case file entries cannot be deleted")


class AppendOnly(models.Model):
    objects: ClassVar[Any] = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("case file entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("case file entries cannot be deleted")


class CaseEvent(AppendOnly):
    """One step in the case file: who, when, what, and why."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    action = models.CharField(_("action"), max_length=12, choices=EventAction.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_name = models.CharField(_("by"), max_length=64, blank=True)
    unit = models.ForeignKey(
        HandlerUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handler unit"),
    )
    from_status = models.CharField(_("from"), max_length=12, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=CaseStatus.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    public = models.BooleanField(_("shown to the reporter"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case_id", "at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class AttachmentKind(models.TextChoices):
    REPORT = "report", _("Photo of the problem")
    PROOF = "proof", _("Proof of handling")
    VERIFY = "verify", _("Photo at verification")


class CaseAttachment(AppendOnly):
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case")
    )
    event = models.ForeignKey(
        CaseEvent, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    name = models.CharField(_("file name"), max_length=128)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return self.name


class EscalationAction(models.TextChoices):
    REMIND = "remind", _("Remind (催办)")
    SUPERVISE = "supervise", _("Supervise (督办)")
    ESCALATE = "escalate", _("Escalate (上报)")


class EscalationRule(models.Model):
    """What the periodic job does when a stage runs late by a number of working hours."""

    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    overdue_hours = models.DecimalField(_("overdue by (working hours)"), max_digits=6, decimal_places=1)
    action = models.CharField(_("action"), max_length=10, choices=EscalationAction.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["stage", "overdue_hours"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} +{self.overdue_hours}h: {self.get_action_display()}"


class WarningKind(models.TextChoices):
    HOT_SPOT = "hot_spot", _("Hot spot")


class CaseWarning(InGrid, TimeStamped):
    """A warning raised from what the cases show (信息感知可预警), such as a hot spot."""

    kind = models.CharField(
        _("kind"), max_length=10, choices=WarningKind.choices, default=WarningKind.HOT_SPOT
    )
    category = models.ForeignKey(
        CaseCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    building = models.ForeignKey(
        "registry.Building",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("building"),
    )
    case_count = models.PositiveIntegerField(_("cases"))
    window_days = models.PositiveSmallIntegerField(_("within days"))
    last_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("latest case")
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        verbose_name = _("case warning")
        verbose_name_plural = _("case warnings")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["area_path"], name="cases_warning_path", opclasses=PATH_INDEX_OPS)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.category} ({self.case_count})"
