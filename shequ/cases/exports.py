"""The case list as .xlsx.

The caller passes the queryset it already scoped (`selectors.cases_visible_to`) and filtered for
the list on screen, so the file holds exactly the rows the user could page through. Reporter
phones appear only masked (the stored masked column: nothing is decrypted, DESIGN rule 2); rows
stream in chunks, so the number of queries does not grow with the list; one audit record keeps
the row count and the filters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_for
from shequ.audit.services import record_event
from shequ.cases.actions import CaseAction
from shequ.core.excel import xlsx_response

from .models import Case

CHUNK = 2000

HEADERS = (
    "案件编号",
    "类别",
    "问题描述",
    "紧急程度",
    "来源",
    "状态",
    "当前环节",
    "时限截止",
    "层级",
    "所属社区",
    "所属网格",
    "楼栋",
    "地址",
    "上报人",
    "联系电话",
    "主办单位",
    "协办单位",
    "上报时间",
    "立案时间",
    "派遣时间",
    "处置完成时间",
    "结案时间",
    "是否超时",
    "处置用时（工作小时）",
    "满意度",
    "督办次数",
    "重办次数",
)


def cases_xlsx(
    user: Any,
    queryset: QuerySet[Case],
    *,
    filters: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> HttpResponse:
    qs = (
        queryset.select_related("category", "community", "grid", "building", "lead_unit")
        .prefetch_related("co_units")
        .defer("reporter_phone_cipher", "grid__boundary")  # never decrypted here: not even read
        .order_by("-reported_at", "-id")
    )
    counter = [0]

    def rows() -> Iterator[Sequence[Any]]:
        for c in qs.iterator(chunk_size=CHUNK):
            counter[0] += 1
            yield (
                c.number,
                c.category.name,
                c.description,
                c.get_urgency_display(),
                c.get_source_display(),
                c.get_status_display(),
                c.get_stage_display() if c.stage else "",
                c.due_at,
                c.get_level_display(),
                c.community.name,
                c.grid.name if c.grid else "",
                str(c.building) if c.building else "",
                c.address,
                c.reporter_name,
                c.reporter_phone_masked,
                c.lead_unit.name if c.lead_unit else "",
                "、".join(u.name for u in c.co_units.all()),
                c.reported_at,
                c.accepted_at,
                c.dispatched_at,
                c.resolved_at,
                c.closed_at,
                "是" if c.overdue_ever else "否",
                c.handling_hours,
                c.get_satisfaction_display() if c.satisfaction else "",
                c.supervise_count,
                c.reopen_count,
            )

    response = xlsx_response("案件清单", HEADERS, rows(), title="案件清单")
    safe = {k: str(v)[:100] for k, v in (filters or {}).items()}
    record_event(
        actor=user,
        action=CaseAction.EXPORT,
        area_path=scope_for(user, Perm.VIEW_CASES).common_path,  # every head above the exporter sees it
        ip_address=ip_address,
        extra={"rows": counter[0], "filters": safe},
    )
    return response
