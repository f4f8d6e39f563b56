"""The figures and warnings pages: exact numbers on a hand-built week of cases, the weighted total
row, the .xlsx export read back, scope, hot-spot warnings and their acknowledgement, query counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.cases import selectors, services
from shequ.cases.models import Case, CaseStatus, CaseWarning, Light, Satisfaction, Source
from shequ.cases.services.common import acting_at
from shequ.cases.testing import CaseWorld, build_case_world, first_building, photo, report
from shequ.core.actors import System
from shequ.registry import services as registry
from shequ.testing import make_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
# A plain working week (no holiday in the calendar): 8 working hours a day, 08:30-12:00 and 13:30-18:00.
MON = dt.datetime(2025, 3, 10, tzinfo=TZ)
NOW = dt.datetime(2025, 3, 14, 10, 0, tzinfo=TZ)  # Friday morning: "now" for every page in this module


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in the week of 10 March 2025 (day 0 = Monday)."""
    return MON + dt.timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(county: Any) -> CaseWorld:
    return build_case_world(county)


def resident_report(world: CaseWorld, building_key: str, phone: str) -> Case:
    """A resident reports rubbish at a building through the portal (anywhere in the county)."""
    return services.report_case(
        by=System("test"),
        category=world.category,
        description="楼道口垃圾没人清理",
        source=Source.PORTAL,
        building=world.county.buildings[building_key],
        reporter_phone=phone,
    )


def loop(world: CaseWorld, case: Case, day: int, start: tuple[int, int]) -> Case:
    """Accept, dispatch, take, reply and verify half an hour apart, from `start` on `day`."""
    h, m = start
    steps = [
        lambda c: services.accept_case(c, by=world.worker),
        lambda c: services.dispatch_case(c, by=world.worker, unit=world.property_unit),
        lambda c: services.take_case(c, by=world.handler),
        lambda c: services.reply_case(c, by=world.handler, note="已清运", photo_files=[photo()]),
        lambda c: services.verify_case(c, by=world.grid_worker, passed=True),
    ]
    for i, step in enumerate(steps):
        with acting_at(at(day, h, m + 30 * i)):
            case = step(case)
    return case


def evaluate(case: Case, when: dt.datetime, satisfaction: str, phone: str = "13800138000") -> Case:
    with acting_at(when):
        return services.evaluate_case(
            case, satisfaction=satisfaction, reporter_phone=phone, by=System("test")
        )


@pytest.fixture
def week(world: CaseWorld) -> dict[str, Case]:
    """Nine cases reported in the week of 10 March 2025:

    熟溪社区 (a1): c1 closed satisfied (2.5 h), c2 closed basically satisfied but late in handling
    (24.5 h), c3 reopened once then closed satisfied (5 h), c4 awaiting evaluation (2.5 h), c5 accepted
    and never dispatched (turned red by the clock job), c6 refused, c7 reported on Friday (not late).
    解放社区 (a2): c9 reported on Tuesday and never accepted (late).
    溪南社区 (b1): c8 handled by the county department, unsatisfied, reopened and late again.
    """
    cases: dict[str, Case] = {}
    with acting_at(at(0, 9)):
        for key in ("c1", "c2", "c3", "c4", "c5", "c6"):
            cases[key] = report(world)
        cases["c8"] = resident_report(world, "b11", "13900000008")
    cases["c1"] = loop(world, cases["c1"], 0, (9, 30))
    cases["c1"] = evaluate(cases["c1"], at(0, 14), Satisfaction.SATISFIED)
    # c2: dispatched Monday 10:00 with 16 working hours to handle (due Wednesday 10:00), replied Thursday.
    c2 = cases["c2"]
    with acting_at(at(0, 9, 30)):
        c2 = services.accept_case(c2, by=world.worker)
    with acting_at(at(0, 10)):
        c2 = services.dispatch_case(c2, by=world.worker, unit=world.property_unit)
    assert c2.due_at == at(2, 10)
    with acting_at(at(0, 10, 30)):
        c2 = services.take_case(c2, by=world.handler)
    with acting_at(at(3, 9)):
        c2 = services.reply_case(c2, by=world.handler, note="已清运", photo_files=[photo()])
    with acting_at(at(3, 9, 30)):
        c2 = services.verify_case(c2, by=world.grid_worker, passed=True)
    cases["c2"] = evaluate(c2, at(3, 10), Satisfaction.BASIC)
    # c3: unsatisfied the first time, handled again the same afternoon, then satisfied.
    c3 = loop(world, cases["c3"], 0, (9, 30))
    c3 = evaluate(c3, at(0, 14), Satisfaction.UNSATISFIED)
    assert c3.status == CaseStatus.DISPATCHED and c3.reopen_count == 1
    with acting_at(at(0, 14, 30)):
        c3 = services.take_case(c3, by=world.handler)
    with acting_at(at(0, 15)):
        c3 = services.reply_case(c3, by=world.handler, note="已彻底清理", photo_files=[photo()])
    with acting_at(at(0, 15, 30)):
        c3 = services.verify_case(c3, by=world.grid_worker, passed=True)
    cases["c3"] = evaluate(c3, at(0, 16), Satisfaction.SATISFIED)
    cases["c4"] = loop(world, cases["c4"], 0, (9, 30))
    with acting_at(at(0, 9, 30)):
        cases["c5"] = services.accept_case(cases["c5"], by=world.worker)
        cases["c6"] = services.refuse_case(cases["c6"], by=world.worker, reason="重复反映")
    # c8 in 溪南社区: the district runs it with the county department.
    c8 = cases["c8"]
    steps = [
        lambda c: services.accept_case(c, by=world.district_admin),
        lambda c: services.dispatch_case(c, by=world.district_admin, unit=world.department),
        lambda c: services.take_case(c, by=world.dept_handler),
        lambda c: services.reply_case(c, by=world.dept_handler, note="已处理", photo_files=[photo()]),
        lambda c: services.verify_case(c, by=world.district_admin, passed=True),
    ]
    for i, step in enumerate(steps):
        with acting_at(at(0, 9, 30 + 30 * i)):
            c8 = step(c8)
    cases["c8"] = evaluate(c8, at(0, 14), Satisfaction.UNSATISFIED, phone="13900000008")
    with acting_at(at(1, 9)):
        cases["c9"] = resident_report(world, "a21", "13900000009")
    with acting_at(at(4, 9, 30)):
        cases["c7"] = report(world)
    # The clock job on Monday afternoon: c5's dispatch limit (4 h from 09:30) ran out at 15:00.
    services.run_clock(at=at(0, 16))
    for key, case in cases.items():
        case.refresh_from_db()
        cases[key] = case
    return cases


def test_the_week_is_what_the_figures_expect(week: dict[str, Case]) -> None:
    """The builder itself, so a change in the services shows up here rather than as odd figures."""
    assert {k: c.status for k, c in week.items()} == {
        "c1": CaseStatus.CLOSED,
        "c2": CaseStatus.CLOSED,
        "c3": CaseStatus.CLOSED,
        "c4": CaseStatus.TO_EVALUATE,
        "c5": CaseStatus.ACCEPTED,
        "c6": CaseStatus.REFUSED,
        "c7": CaseStatus.REPORTED,
        "c8": CaseStatus.DISPATCHED,
        "c9": CaseStatus.REPORTED,
    }
    assert [week[k].handling_hours for k in ("c1", "c2", "c3", "c4")] == [2.5, 24.5, 5.0, 2.5]
    assert week["c2"].overdue_ever and not week["c1"].overdue_ever and not week["c3"].overdue_ever
    assert week["c5"].light == Light.RED and week["c5"].overdue_ever
    assert week["c8"].reopen_count == 1 and week["c8"].satisfaction == Satisfaction.UNSATISFIED


# Expected rows: name → (reported, accepted, resolved, on-time %, avg h, satisfaction %, reopen %,
# overdue now, open). "—" where there is nothing to divide by.
A1 = ("熟溪社区", 7, 5, 4, "75%", "8.6", "100%", "25%", 1, 2)
A2 = ("解放社区", 1, 0, 0, "—", "—", "—", "—", 1, 1)
B1 = ("溪南社区", 1, 1, 0, "—", "—", "0%", "—", 1, 1)
# Weighted: satisfaction is 3 satisfied of 4 evaluated (75 %), not the mean of 100 % and 0 %.
TOTAL = ("Total", 9, 6, 4, "75%", "8.6", "75%", "25%", 3, 4)


def table(html: str) -> list[tuple[str, ...]]:
    """The figures table as text cells, body rows then the total row."""
    import re

    body = html.split('id="figures-table"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*data-key[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        rows.append(tuple(re.sub(r"<[^>]+>", "", c).strip() for c in cells))
    return rows


def expected(row: tuple[Any, ...]) -> tuple[str, ...]:
    """The page shows reported, accepted, resolved and the figures in the same order."""
    return tuple(str(v) for v in row)


@pytest.fixture
def en(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def test_figures_by_community_are_exact_with_a_weighted_total(
    client: Any, world: CaseWorld, week: dict[str, Case], en: None
) -> None:
    client.force_login(world.district_admin)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("cases:figures"))
    assert response.status_code == 200
    rows = table(response.content.decode())
    assert rows[-1][0] == "Total"
    assert sorted(rows[:-1]) == sorted(expected(r) for r in (A1, A2, B1))
    assert rows[-1] == expected(TOTAL)


def test_the_selector_total_is_the_same_aggregate_over_everything(
    world: CaseWorld, week: dict[str, Case]
) -> None:
    cases = selectors.cases_visible_to(world.district_admin)
    with time_machine.travel(NOW, tick=False):
        rows = selectors.case_figures(cases, by="community")
        total = selectors.case_figure_totals(cases)
    assert total["satisfaction_rate"] == 75.0  # 3 of 4 evaluated
    assert sum(r["satisfaction_rate"] or 0 for r in rows) / 2 == 50.0  # what averaging rates would say
    assert total["avg_handling_hours"] == 8.6 and total["on_time_rate"] == 75.0
    assert (total["reported"], total["overdue_now"], total["open"]) == (9, 3, 4)


def test_figures_by_unit_and_by_category(
    client: Any, world: CaseWorld, week: dict[str, Case], en: None
) -> None:
    client.force_login(world.district_admin)
    with time_machine.travel(NOW, tick=False):
        by_unit = table(client.get(reverse("cases:figures"), {"by": "unit"}).content.decode())
        by_category = table(client.get(reverse("cases:figures"), {"by": "category"}).content.decode())
    assert sorted(by_unit[:-1]) == sorted(
        [
            ("熟溪物业服务中心", "4", "4", "4", "75%", "8.6", "100%", "25%", "0", "0"),
            ("县住建局", "1", "1", "0", "—", "—", "0%", "—", "1", "1"),
            ("Not sent to a unit yet", "4", "1", "0", "—", "—", "—", "—", "2", "3"),
        ]
    )
    assert by_category == [("Dumped rubbish", *expected(TOTAL)[1:]), expected(TOTAL)]  # English page
    assert by_unit[-1] == expected(TOTAL)


def test_a_street_official_sees_only_the_communities_of_their_street(
    client: Any, world: CaseWorld, week: dict[str, Case], en: None
) -> None:
    client.force_login(world.street_admin)
    with time_machine.travel(NOW, tick=False):
        rows = table(client.get(reverse("cases:figures")).content.decode())
    assert sorted(rows[:-1]) == sorted([expected(A1), expected(A2)])
    # 8 cases; satisfaction 3 of 3 evaluated; 2 overdue now (c5, c9), 3 open (c5, c7, c9).
    assert rows[-1] == ("Total", "8", "5", "4", "75%", "8.6", "100%", "25%", "2", "3")


def test_the_period_filter_counts_cases_by_the_day_they_were_reported(
    client: Any, world: CaseWorld, week: dict[str, Case], en: None
) -> None:
    client.force_login(world.district_admin)
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            reverse("cases:figures"), {"period": "custom", "date_from": "2025-03-11", "date_to": "2025-03-14"}
        )
        rows = table(response.content.decode())
        # c7 (Friday) and c9 (Tuesday) only.
        assert sorted(rows[:-1]) == sorted(
            [expected(A2), ("熟溪社区", "1", "0", "0", "—", "—", "—", "—", "0", "1")]
        )
        assert response.context["monthly"]["xAxis"]["data"] == ["2025-03"]
        assert response.context["monthly"]["series"][0]["data"] == [2]
        this_year = client.get(reverse("cases:figures"), {"period": "year"})
        assert this_year.context["params"].first == dt.date(2025, 1, 1)
        assert this_year.context["monthly"]["xAxis"]["data"] == ["2025-01", "2025-02", "2025-03"]
        assert this_year.context["monthly"]["series"][0]["data"] == [0, 0, 9]
        assert this_year.context["monthly"]["series"][1]["data"] == [0, 0, 4]
        quarter = client.get(reverse("cases:figures"), {"period": "quarter"})
        assert quarter.context["params"].first == dt.date(2025, 1, 1)
        before = client.get(
            reverse("cases:figures"), {"period": "custom", "date_from": "2025-02-01", "date_to": "2025-02-28"}
        )
    assert table(before.content.decode()) == []
    assert "No cases were reported in this period." in before.content.decode()


def test_figures_open_on_the_last_30_days_not_a_few_days_of_this_month(
    client: Any, world: CaseWorld, en: None
) -> None:
    """On 6 December "this month" is six days; the page opens on the 30 days up to today."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ), tick=False):
        report(world)
    client.force_login(world.district_admin)
    with time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=TZ), tick=False):
        response = client.get(reverse("cases:figures"))
    params = response.context["params"]
    assert (params.period, params.first, params.last) == (
        "30days",
        dt.date(2026, 11, 7),
        dt.date(2026, 12, 6),
    )
    assert table(response.content.decode())[-1][:2] == ("Total", "1")  # the case of 20 November
    assert 'value="30days" selected' in response.content.decode()


def test_the_rates_chart_has_a_gap_where_there_is_nothing_to_divide_by(
    client: Any, world: CaseWorld, week: dict[str, Case]
) -> None:
    client.force_login(world.district_admin)
    with time_machine.travel(NOW, tick=False):
        chart = client.get(reverse("cases:figures")).context["rates"]
    rates = dict(zip(chart["xAxis"]["data"], chart["series"][0]["data"], strict=True))
    assert rates == {"熟溪社区": 75.0, "解放社区": None, "溪南社区": None}


def test_the_export_is_the_table_read_back_and_is_audited(
    client: Any, world: CaseWorld, week: dict[str, Case], en: None
) -> None:
    client.force_login(world.street_admin)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("cases:figures_export"), {"by": "community", "period": "month"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == [
        "Community",
        "Reported",
        "Accepted",
        "Resolved",
        "On-time rate (%)",
        "Average handling time (working hours)",
        "Satisfaction rate (%)",
        "Reopen rate (%)",
        "Overdue now",
        "Open cases",
    ]
    assert sorted(values[1:-1]) == [
        ["熟溪社区", 7, 5, 4, 75, 8.6, 100, 25, 1, 2],
        ["解放社区", 1, 0, 0, "—", "—", "—", "—", 1, 1],
    ]
    assert values[-1] == ["Total", 8, 5, 4, 75, 8.6, 100, 25, 2, 3]
    event = AuditEvent.objects.get(action="case:export_figures")
    assert event.actor == world.street_admin
    assert event.extra == {"by": "community", "from": "2025-03-01", "to": "2025-03-14", "rows": 2}


def test_bad_figure_filters_fall_back_with_a_message(
    client: Any, world: CaseWorld, week: dict[str, Case]
) -> None:
    client.force_login(world.worker)
    url = reverse("cases:figures")
    with time_machine.travel(NOW, tick=False):
        for params in (
            {"period": "custom"},
            {"period": "custom", "date_from": "2025-03-14", "date_to": "2025-03-01"},
            {"period": "custom", "date_from": "garbage"},
            {"period": "custom", "date_from": "1900-01-01"},
            {"period": "custom", "date_from": "2000-01-01", "date_to": "9999-12-31"},
            {"period": "eternity", "by": "galaxy"},
            {"date_from": "2025-13-45"},
        ):
            response = client.get(url, params)
            assert response.status_code == 200, params
            assert response.context["params"].period == "30days", params
            assert list(response.context["messages"]), params
            assert client.get(reverse("cases:figures_export"), params).status_code == 200


def test_figures_need_the_view_cases_permission(client: Any, world: CaseWorld, county: Any) -> None:
    client.force_login(world.handler)
    assert client.get(reverse("cases:figures")).status_code == 403
    assert client.get(reverse("cases:figures_export")).status_code == 403
    client.force_login(make_user(Role.RESIDENT, county.grid_a1_1))
    assert client.get(reverse("cases:warnings")).status_code == 403
    client.logout()
    assert client.get(reverse("cases:figures")).status_code == 302


def test_the_figures_page_costs_the_same_queries_for_many_communities(
    client: Any, world: CaseWorld, week: dict[str, Case], county: Any
) -> None:
    client.force_login(world.district_admin)
    url = reverse("cases:figures")

    def count() -> int:
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(12):
        community = registry.create_area(
            code=f"3307230020{i + 10:02d}",
            name=f"新社区{i}",
            level="community",
            parent=county.street_b,
            by=System("test"),
        )
        with acting_at(at(1, 9)):
            services.report_case(
                by=System("test"),
                category=world.category,
                description="路边垃圾无人清理",
                source=Source.PORTAL,
                community=community,
                reporter_phone="13900000000",
            )
    with time_machine.travel(NOW, tick=False):
        assert len(table(client.get(url).content.decode())) >= 15
    assert count() == few
    assert few <= 10, few


# --- warnings -----------------------------------------------------------------------------------


@pytest.fixture
def hot_spot(world: CaseWorld, settings: Any) -> CaseWarning:
    """Three reports of rubbish at one building within the window raise a hot spot."""
    settings.SHEQU_CASE_HOTSPOT_COUNT = 3
    for _ in range(3):
        case = report(world)
    warning = CaseWarning.objects.get(building=first_building(world), acknowledged_at=None)
    assert warning.case_count == 3 and warning.last_case == case
    return warning


def test_the_warnings_page_lists_a_hot_spot_in_scope_only(
    client: Any, world: CaseWorld, hot_spot: CaseWarning
) -> None:
    client.force_login(world.worker)
    page = client.get(reverse("cases:warnings")).content.decode()
    assert f'data-warning="{hot_spot.pk}"' in page
    assert "垃圾堆放" in page and str(first_building(world)) in page
    assert hot_spot.last_case.number in page
    assert reverse("cases:detail", args=[hot_spot.last_case_id]) in page
    assert reverse("cases:warning_acknowledge", args=[hot_spot.pk]) in page
    client.force_login(world.outsider)
    page = client.get(reverse("cases:warnings")).content.decode()
    assert f'data-warning="{hot_spot.pk}"' not in page


def test_acknowledging_a_hot_spot_moves_it_to_the_acknowledged_tab(
    client: Any, world: CaseWorld, hot_spot: CaseWarning
) -> None:
    client.force_login(world.worker)
    response = client.post(reverse("cases:warning_acknowledge", args=[hot_spot.pk]), follow=True)
    assert response.status_code == 200
    hot_spot.refresh_from_db()
    assert hot_spot.acknowledged_at is not None and hot_spot.acknowledged_by == world.worker
    assert f'data-warning="{hot_spot.pk}"' not in response.content.decode()
    done = client.get(reverse("cases:warnings"), {"tab": "acknowledged"}).content.decode()
    assert f'data-warning="{hot_spot.pk}"' in done and str(world.worker) in done
    assert (
        AuditEvent.objects.filter(action="case_warning:acknowledge", target_id=str(hot_spot.pk)).count() == 1
    )
    # A second click (another tab left open) is told, not failed.
    again = client.post(reverse("cases:warning_acknowledge", args=[hot_spot.pk]), follow=True)
    assert again.status_code == 200 and list(again.context["messages"])
    assert AuditEvent.objects.filter(action="case_warning:acknowledge").count() == 1


def test_a_grid_worker_sees_the_hot_spot_but_may_not_acknowledge_it(
    client: Any, world: CaseWorld, hot_spot: CaseWarning, en: None
) -> None:
    client.force_login(world.grid_worker)
    page = client.get(reverse("cases:warnings")).content.decode()
    assert f'data-warning="{hot_spot.pk}"' in page
    assert reverse("cases:warning_acknowledge", args=[hot_spot.pk]) not in page
    response = client.post(reverse("cases:warning_acknowledge", args=[hot_spot.pk]), follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["You do not have permission to do this here."]
    hot_spot.refresh_from_db()
    assert hot_spot.acknowledged_at is None
    assert not AuditEvent.objects.filter(action="case_warning:acknowledge").exists()


def test_a_warning_outside_the_scope_is_404_to_acknowledge(
    client: Any, world: CaseWorld, hot_spot: CaseWarning
) -> None:
    client.force_login(world.outsider)
    assert client.post(reverse("cases:warning_acknowledge", args=[hot_spot.pk])).status_code == 404
    assert client.get(reverse("cases:warning_acknowledge", args=[hot_spot.pk])).status_code == 405
    hot_spot.refresh_from_db()
    assert hot_spot.acknowledged_at is None


def test_the_service_refuses_a_grid_worker(world: CaseWorld, hot_spot: CaseWarning) -> None:
    from shequ.core.errors import RuleError

    with pytest.raises(RuleError):
        services.acknowledge_warning(hot_spot, by=world.grid_worker)
    warning = services.acknowledge_warning(hot_spot, by=world.street_admin)
    assert warning.acknowledged_by == world.street_admin


def test_due_soon_and_overdue_are_counted_per_community_with_links(client: Any, world: CaseWorld) -> None:
    # Monday 09:00 reports; accept limit 4 working hours: due at 14:30.
    with acting_at(at(0, 9)):
        late = report(world)
        soon = report(world, building=world.county.buildings["a12"], by=world.worker)
    with acting_at(at(0, 9, 30)):
        soon = services.accept_case(soon, by=world.worker)  # dispatch due 15:00, yellow from 14:12
    with acting_at(at(0, 12, 30)):
        fine = resident_report(world, "a21", "13900000002")  # due 17:30, yellow from 16:42
    services.run_clock(at=at(0, 14, 45))
    late.refresh_from_db(), soon.refresh_from_db(), fine.refresh_from_db()
    assert (late.light, soon.light) == (Light.RED, Light.YELLOW)
    client.force_login(world.street_admin)
    with time_machine.travel(at(0, 14, 45), tick=False):
        response = client.get(reverse("cases:warnings"))
    lights = {r["name"]: (r["open"], r["yellow"], r["red"]) for r in response.context["lights"]}
    assert lights == {"熟溪社区": (2, 1, 1), "解放社区": (1, 0, 0)}
    assert fine.light == Light.GREEN
    a1 = world.county.community_a1.pk
    page = response.content.decode()
    assert f"{reverse('cases:list')}?community={a1}&amp;light=red" in page
    assert f"{reverse('cases:list')}?community={a1}&amp;light=yellow" in page
    # The link leads to the list filtered by the light.
    with time_machine.travel(at(0, 14, 45), tick=False):
        listed = client.get(reverse("cases:list"), {"community": a1, "light": "red"}).content.decode()
    assert late.number in listed and soon.number not in listed


def test_the_warnings_page_costs_the_same_queries_for_many_warnings(
    client: Any, world: CaseWorld, settings: Any, county: Any
) -> None:
    settings.SHEQU_CASE_HOTSPOT_COUNT = 2
    client.force_login(world.district_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("cases:warnings")).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        report(world)
    few = count()
    for key in ("a12", "a21", "b11"):
        for _ in range(2):
            resident_report(world, key, "13900000003")
    assert CaseWarning.objects.filter(acknowledged_at=None).count() >= 4
    assert count() == few
