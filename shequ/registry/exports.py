"""Registry lists as .xlsx: residents, households, buildings.

The caller passes the queryset it already scoped and filtered for the list on screen; these
functions narrow it once more to the export scope, stream it in chunks (a constant number of
queries however long the list), show ID and phone numbers only masked (the stored masked columns:
nothing is decrypted here, PIPL / DESIGN rule 2), show restricted tags only where the user may see
key populations, write code fields as their names, and leave one audit record with the row count
and the filters (DESIGN rule 2: exports are audited).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import Scope, scope_for
from shequ.audit.services import record_event
from shequ.core import codes
from shequ.core.errors import RuleError
from shequ.core.excel import xlsx_response
from shequ.core.masking import mask_id_number, mask_phone
from shequ.core.models import CodeTable

from .actions import RegistryAction
from .models import Building, Household, Resident, ResidentStatus, ResidentTag

CHUNK = 2000

RESIDENT_HEADERS = (
    "姓名",
    "性别",
    "出生日期",
    "民族",
    "证件类型",
    "公民身份号码",
    "联系电话",
    "政治面貌",
    "文化程度",
    "婚姻状况",
    "人员类型",
    "户籍地址",
    "所属社区",
    "所属网格",
    "网格编码",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "户号",
    "与户主关系",
    "工作单位",
    "标签",
    "状态",
    "备注",
)
HOUSEHOLD_HEADERS = (
    "户号",
    "所属社区",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "户类型",
    "户主",
    "户主证件号码",
    "户主联系电话",
    "在住人数",
    "状态",
)
BUILDING_HEADERS = (
    "楼栋编码",
    "小区",
    "楼栋",
    "标准地址",
    "所属社区",
    "所属网格",
    "微网格",
    "层数",
    "单元数",
    "建成年份",
    "房屋数",
    "在住人数",
)


def _require_export(user: Any) -> Scope:
    scope = scope_for(user, Perm.EXPORT_REGISTRY)
    if scope.empty:
        raise RuleError("forbidden", _("You do not have permission to export registry lists."))
    return scope


_LONG_DIGITS = re.compile(r"\d{7,}[\dXx]?")


def _safe_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    """The filters as the audit log keeps them: a searched ID or phone number only masked."""
    out: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if key in ("csrfmiddlewaretoken", "export", "format"):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        out[key] = _LONG_DIGITS.sub(
            lambda m: mask_id_number(m[0]) if len(m[0]) >= 15 else mask_phone(m[0]), text
        )
    return out


def _counted(rows: Iterable[Sequence[Any]], counter: list[int]) -> Iterator[Sequence[Any]]:
    for row in rows:
        counter[0] += 1
        yield row


def _describe(queryset: QuerySet[Any]) -> dict[str, Any]:
    """Without explicit filters, the audit keeps the query's WHERE clause (digests, never numbers)."""
    try:
        sql = str(queryset.query)
    except Exception:  # an always-empty query (no scope) has no SQL
        return {}
    _, _, where = sql.partition(" WHERE ")
    return {"where": _LONG_DIGITS.sub("…", where.split(" ORDER BY ")[0])[:2000]} if where else {}


def _export(
    user: Any,
    action: RegistryAction,
    filename: str,
    headers: Sequence[str],
    queryset: QuerySet[Any],
    rows: Iterable[Sequence[Any]],
    filters: dict[str, Any] | None,
    *,
    scope: Scope,
    ip_address: str | None,
) -> HttpResponse:
    counter = [0]
    response = xlsx_response(filename, headers, _counted(rows, counter), title=filename)
    described = _safe_filters(filters) if filters is not None else _describe(queryset)
    # Filed at the exporter's scope, so every head whose scope covers it sees the export.
    record_event(
        actor=user,
        action=action,
        area_path=scope.common_path,
        ip_address=ip_address,
        extra={"rows": counter[0], "filters": described},
    )
    return response


def _code(table: CodeTable, value: str) -> str:
    return codes.label(table, value) if value else ""


def residents_xlsx(
    user: Any,
    queryset: QuerySet[Resident],
    *,
    filters: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> HttpResponse:
    """The resident list as .xlsx; `filters` (e.g. request.GET) goes into the audit record."""
    scope = _require_export(user)
    key_scope = scope_for(user, Perm.VIEW_KEY_POPULATIONS)
    qs = (
        queryset.filter(scope.q())
        .select_related("community", "grid", "household", "dwelling__building")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch(
                "tag_links",
                queryset=ResidentTag.objects.select_related("tag").order_by("tag__sort"),
                to_attr="export_tags",
            )
        )
        .defer("id_number_cipher", "phone_cipher")  # never decrypted here: not even read
    )

    def rows() -> Iterator[Sequence[Any]]:
        for r in qs.iterator(chunk_size=CHUNK):
            sees_restricted = key_scope.covers(r.area_path)
            tags = "、".join(
                link.tag.name for link in r.export_tags if sees_restricted or not link.tag.restricted
            )
            dwelling = r.dwelling
            building = dwelling.building if dwelling else None
            yield (
                r.name,
                _code(CodeTable.SEX, r.gender),
                r.birth_date,
                _code(CodeTable.ETHNICITY, r.ethnicity),
                r.get_id_type_display(),
                r.id_number_masked,
                r.phone_masked,
                _code(CodeTable.POLITICAL_STATUS, r.political_status),
                _code(CodeTable.EDUCATION, r.education),
                _code(CodeTable.MARITAL_STATUS, r.marital_status),
                r.get_residence_type_display(),
                r.hukou_address,
                r.community.name,
                r.grid.name if r.grid else "",
                r.grid.code if r.grid else "",
                building.estate if building else "",
                building.name if building else "",
                dwelling.unit if dwelling else "",
                dwelling.room if dwelling else "",
                r.household.number if r.household else "",
                _code(CodeTable.RELATIONSHIP, r.relation_to_head),
                r.workplace,
                tags,
                r.get_status_display(),
                r.notes,
            )

    return _export(
        user,
        RegistryAction.EXPORT_RESIDENTS,
        "居民名单",
        RESIDENT_HEADERS,
        queryset,
        rows(),
        filters,
        scope=scope,
        ip_address=ip_address,
    )


def households_xlsx(
    user: Any,
    queryset: QuerySet[Household],
    *,
    filters: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> HttpResponse:
    scope = _require_export(user)
    qs = (
        queryset.filter(scope.q())
        .select_related("community", "dwelling__building", "head")
        .prefetch_related(None)
        .annotate(living=Count("members", filter=Q(members__status=ResidentStatus.ACTIVE)))
    )

    def rows() -> Iterator[Sequence[Any]]:
        for h in qs.iterator(chunk_size=CHUNK):
            dwelling = h.dwelling
            building = dwelling.building if dwelling else None
            head = h.head
            yield (
                h.number,
                h.community.name,
                building.estate if building else "",
                building.name if building else "",
                dwelling.unit if dwelling else "",
                dwelling.room if dwelling else "",
                h.get_household_type_display(),
                head.name if head else "",
                head.id_number_masked if head else "",
                head.phone_masked if head else "",
                h.living,
                h.get_status_display(),
            )

    return _export(
        user,
        RegistryAction.EXPORT_HOUSEHOLDS,
        "户籍名单",
        HOUSEHOLD_HEADERS,
        queryset,
        rows(),
        filters,
        scope=scope,
        ip_address=ip_address,
    )


def buildings_xlsx(
    user: Any,
    queryset: QuerySet[Building],
    *,
    filters: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> HttpResponse:
    scope = _require_export(user)
    qs = (
        queryset.filter(scope.q())
        .select_related("community", "grid", "micro_grid")
        .prefetch_related(None)
        .annotate(
            dwelling_count=Count("dwellings", distinct=True),
            resident_count=Count(
                "dwellings__residents",
                filter=Q(dwellings__residents__status=ResidentStatus.ACTIVE),
                distinct=True,
            ),
        )
    )

    def rows() -> Iterator[Sequence[Any]]:
        for b in qs.iterator(chunk_size=CHUNK):
            yield (
                b.code,
                b.estate,
                b.name,
                b.address,
                b.community.name,
                b.grid.name if b.grid else "",
                b.micro_grid.name if b.micro_grid else "",
                b.floors,
                b.units,
                b.built_year,
                b.dwelling_count,
                b.resident_count,
            )

    return _export(
        user,
        RegistryAction.EXPORT_BUILDINGS,
        "楼栋名单",
        BUILDING_HEADERS,
        queryset,
        rows(),
        filters,
        scope=scope,
        ip_address=ip_address,
    )
