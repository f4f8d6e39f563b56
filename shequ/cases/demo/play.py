"""Playing the year: every plan becomes a script (a generator) that does one step through the
services and yields when its next step falls; the scheduler runs them in time order under
`acting_at(moment)`, with the periodic job ticking in between."""

from __future__ import annotations

import datetime as dt
import heapq
import io
import time
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone
from PIL import Image, ImageDraw

from shequ.accounts.models import User
from shequ.core.actors import System
from shequ.core.errors import RuleError

from .. import services
from ..models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseStatus,
    CaseWarning,
    HandlerUnit,
    Level,
    Satisfaction,
    Source,
)
from ..services.common import acting_at
from .county import ESCALATED, Spot, Summary
from .plans import SHOWCASE, Plan, Planner
from .texts import (
    ASSISTS,
    COMMENTS,
    ESCALATIONS,
    REFUSALS,
    REPLIES,
    RESUMPTIONS,
    RETURNS,
    SUPERVISIONS,
    SUSPENSIONS,
    VERIFY_FAILURES,
    VERIFY_NOTES,
)

# The demo builder acts as the system, under its own name in the audit log.
DEMO = System("seed_demo")


WARNING_WEEKS = 2  # hot spots quiet for this long have been seen to by the desk


class CaseDemo(Planner):
    # --- the whole thing --------------------------------------------------------------------

    def build(self) -> Summary:
        started = time.monotonic()
        self._places()
        self._units()
        self._staff()
        plans = self._plans()
        self._play(plans)
        # Lights as of the moment the demo finishes (the loop ran up to the minute it started).
        self.summary.clock.update(services.run_clock(at=timezone.now()))
        rows = Case.objects.order_by().values_list("status").annotate(n=Count("id"))
        self.summary.statuses = Counter(dict(rows))
        self.summary.cases = sum(self.summary.statuses.values())
        self.summary.warnings = CaseWarning.objects.filter(acknowledged_at=None).count()
        self.summary.failures = self.failures
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # --- playing the year -------------------------------------------------------------------

    def _play(self, plans: list[Plan]) -> None:
        queue: list[tuple[dt.datetime, int, Iterator[dt.datetime]]] = []
        for p in plans:
            script = self._life(p)
            queue.append((next(script), p.key, script))
        heapq.heapify(queue)
        ticks = self._ticks(plans[0].reported_at if plans else self.now)
        done, step = 0, 0
        while queue and queue[0][0] <= self.now:
            when, key, script = heapq.heappop(queue)
            while step < len(ticks) and ticks[step] <= when:
                self._tick(ticks[step])
                step += 1
            try:
                with acting_at(when):
                    later = next(script)
            except StopIteration:
                done += 1
                if done % 500 == 0:
                    self.out(f"  cases: {done:,} of {len(plans):,} played")
                continue
            except RuleError as exc:  # a plan that no longer fits: note it and let the case be
                self.failures.append(f"{key}: {exc.code} {exc}")
                continue
            heapq.heappush(queue, (max(later, when), key, script))
        for tick in ticks[step:]:
            self._tick(tick)

    def _tick(self, moment: dt.datetime) -> None:
        # In a quiet stretch (a small county, early in the year) no case has a clock or an
        # evaluation window open, and the job would find nothing to do.
        if self.running or self.windows:
            done = services.run_clock(at=moment)
            self.summary.clock.update(done)
            if done.get("escalate") or done.get("closed_unevaluated"):
                self.moved += 1  # the job changed some case's status: scripts re-read theirs
        while self.windows and self.windows[0] <= moment:
            heapq.heappop(self.windows)  # closed by the run above
        if timezone.localtime(moment).hour == 9 and self.cal.is_working_day(
            timezone.localtime(moment).date()
        ):
            self._acknowledge(moment)

    def _acknowledge(self, moment: dt.datetime) -> None:
        """Each working morning the desk takes note of hot spots whose last report is two weeks old:
        the open warnings left are the ones still growing."""
        since = moment - dt.timedelta(days=WARNING_WEEKS * 7)
        stale = CaseWarning.objects.filter(acknowledged_at=None, last_case__reported_at__lt=since)
        with acting_at(moment):
            for warning in stale.order_by("pk"):
                services.acknowledge_warning(warning, by=self.desk[warning.community_id])

    def _ticks(self, start: dt.datetime) -> list[dt.datetime]:
        """When the periodic job looks. In production it runs every minute; here five times a working
        day (never more than two working hours apart) and once on other days keep the year fast."""
        tz = timezone.get_default_timezone()
        out = []
        day = timezone.localtime(start).date()
        while day <= timezone.localtime(self.now).date():
            hours = (9, 11, 14, 16, 18) if self.cal.is_working_day(day) else (9,)
            for hour in hours:
                moment = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
                if start <= moment <= self.now:
                    out.append(moment)
            day += dt.timedelta(days=1)
        return out

    def _life(self, p: Plan) -> Iterator[dt.datetime]:
        """One case from report to its end (or to now): yields when its next step happens."""
        t = p.reported_at
        yield t
        case = self._report(p, t)
        p.case, seen = case, self.moved
        self.running += 1
        while True:
            later = self._next_moment(p, case, t)
            if later is None:
                return self._settle(case)
            t = later
            yield t
            if seen != self.moved:  # the job escalated or closed cases meanwhile: maybe this one
                case, seen = Case.objects.select_related("category").get(pk=case.pk), self.moved
            stepped = self._act(p, case, t)
            if stepped is None:
                return self._settle(case)
            case = stepped

    def _settle(self, case: Case) -> None:
        """A script has ended: does the job still have something to do for its case?"""
        if case.status in FINISHED_STATUSES:
            self.running -= 1
        elif case.status == CaseStatus.TO_EVALUATE and case.resolved_at is not None:
            self.running -= 1  # only the evaluation window is left
            days = dt.timedelta(days=settings.SHEQU_CASE_EVALUATION_DAYS)
            heapq.heappush(self.windows, case.resolved_at + days)
        # a case left open keeps its clock running

    def _report(self, p: Plan, t: dt.datetime) -> Case:
        return services.report_case(
            by=p.reporter or DEMO,
            category=p.category,
            description=p.description,
            source=p.source,
            building=p.spot.building,
            reporter_name=p.reporter_name,
            reporter_phone=p.phone,
            urgency=p.urgency,
            photo_files=[self._photo("现场.jpg")] if p.photo else None,
            reported_at=t,
            external_id=f"WY{t:%Y%m%d}{self.rng.randrange(10**5):05d}" if p.source == Source.HOTLINE else "",
        )

    def _next_moment(self, p: Plan, case: Case, t: dt.datetime) -> dt.datetime | None:
        rng, cal, status = self.rng, self.cal, case.status
        if p.stop_at:
            if status == p.stop_at:
                return None
            if status == SHOWCASE[CaseStatus(p.stop_at)][0] and p.target is not None:
                return max(p.target, t)
            return cal.add_working_hours(t, 0.4)
        limit = case.limit_hours or 4.0

        def after(hours: float) -> dt.datetime:
            return cal.add_working_hours(t, hours)

        if status == CaseStatus.REPORTED:
            if p.duplicate_of is not None:
                return after(rng.uniform(0.2, 1.0))
            if p.neglect:  # past the deadline and the 16 hours the escalation rule allows
                return after(limit + 16 + rng.uniform(2.5, 6))
            return after(limit * (rng.uniform(0.5, 0.8) if p.has_duplicate else rng.uniform(0.05, 0.7)))
        if status == CaseStatus.ACCEPTED:
            if p.escalate and case.level == Level.COMMUNITY:
                return after(rng.uniform(0.2, 1.0))
            return after(limit * rng.uniform(0.1, 0.7))
        if status == CaseStatus.DISPATCHED:
            self._new_round(p, case)
            return after(min(rng.uniform(0.1, 2.0), limit * 0.3))
        if status == CaseStatus.HANDLING:
            due = [m for m in (p.assist_at, p.suspend_at, p.supervise_at, p.reply_at) if m is not None]
            return max(min(due), after(0.1)) if due else after(limit * 0.5)
        if status == CaseStatus.SUSPENDED:
            return cal.add_working_hours(t + dt.timedelta(days=rng.uniform(1.5, 8)), 0)
        if status == CaseStatus.REPLIED:
            return after(limit * rng.uniform(0.1, 0.8))
        if status == CaseStatus.TO_EVALUATE and p.evaluations:
            moment = timezone.localtime(t + dt.timedelta(hours=rng.uniform(1, 96)))
            if moment.hour < 7:  # residents answer in the evening or the next morning, not at 3 am
                moment = moment.replace(hour=rng.randint(7, 10))
            return moment
        return None

    def _new_round(self, p: Plan, case: Case) -> None:
        """A handling round starts (dispatch, failed verification, reopening): when its steps fall."""
        if case.stage_started_at is None or p.round_start == case.stage_started_at:
            return
        rng, cal, start, limit = self.rng, self.cal, case.stage_started_at, case.limit_hours or 8.0
        first = p.round_start is None
        p.round_start = start
        share = (
            rng.uniform(1.1, 2.2)
            if first and p.late
            else rng.uniform(0.2, 0.85)
            if first
            else rng.uniform(0.1, 0.5)
        )
        p.reply_at = cal.add_working_hours(start, share * limit)
        p.assist_at = cal.add_working_hours(start, 0.3 * share * limit) if first and p.co_unit else None
        p.suspend_at = cal.add_working_hours(start, 0.4 * share * limit) if first and p.suspend else None
        p.supervise_at = None
        if first and p.supervise and case.due_at is not None:
            moment = cal.add_working_hours(case.due_at, rng.uniform(2, 6))
            p.supervise_at = moment if moment < p.reply_at else None

    def _act(self, p: Plan, case: Case, t: dt.datetime) -> Case | None:
        rng, status = self.rng, case.status
        manager = self._manager(p, case)
        if status == CaseStatus.REPORTED:
            original = p.duplicate_of.case if p.duplicate_of else None
            if (
                original is not None
                and Case.objects.filter(pk=original.pk, status__in=OPEN_STATUSES).exists()
            ):
                return services.merge_case(case, into=original, by=manager, note="同一问题，合并办理")
            if p.refuse:
                return services.refuse_case(case, by=manager, reason=rng.choice(REFUSALS))
            return services.accept_case(case, by=manager, note=rng.choice(["", "", "已核实，予以立案"]))
        if status == CaseStatus.ACCEPTED:
            if p.escalate and case.level == Level.COMMUNITY:
                p.escalate = False
                return services.escalate_case(case, by=manager, reason=rng.choice(ESCALATIONS))
            unit, co_units = self._route(p, case)
            return services.dispatch_case(case, by=manager, unit=unit, co_units=co_units)
        if status == CaseStatus.DISPATCHED:
            assert case.lead_unit_id is not None
            handler = self.handlers[case.lead_unit_id]
            if p.returns and len(p.leads) > 1 and case.level == Level.COMMUNITY:
                p.returns -= 1
                p.leads.pop(0)
                return services.return_case(case, by=handler, reason=rng.choice(RETURNS))
            return services.take_case(case, by=handler)
        if status == CaseStatus.HANDLING:
            assert case.lead_unit_id is not None
            if p.assist_at is not None and p.assist_at <= t:
                p.assist_at = None
                co = case.co_units.first()
                if co is not None:
                    return services.assist_case(case, by=self.handlers[co.pk], note=rng.choice(ASSISTS))
            if p.suspend_at is not None and p.suspend_at <= t:
                p.suspend_at = None
                return services.suspend_case(case, by=manager, reason=rng.choice(SUSPENSIONS))
            if p.supervise_at is not None and p.supervise_at <= t:
                p.supervise_at = None
                return services.supervise_case(
                    case, by=self._superior(p, case), note=rng.choice(SUPERVISIONS)
                )
            code = case.category.code
            replies = REPLIES.get(code) or REPLIES.get(code.split(".")[0]) or REPLIES["other"]
            photos = [self._photo("处置后.jpg")] if self._recent(t) else None
            return services.reply_case(
                case,
                by=self.handlers[case.lead_unit_id],
                note=rng.choice(replies),
                photo_files=photos,
            )
        if status == CaseStatus.SUSPENDED:
            case = services.resume_case(case, by=manager, note=rng.choice(RESUMPTIONS))
            left = self.cal.working_hours_between(t, case.due_at) if case.due_at else 4.0
            p.reply_at = self.cal.add_working_hours(t, max(0.5, left * rng.uniform(0.3, 0.9)))
            return case
        if status == CaseStatus.REPLIED:
            failed = p.verify_fails > 0
            p.verify_fails -= int(failed)
            grid = self.accounts.get("grid")
            verifier = grid if grid and case.grid_id == self.home_grid_id and rng.random() < 0.5 else None
            return services.verify_case(
                case,
                by=verifier or self.desk[case.community_id],
                passed=not failed,
                note=rng.choice(VERIFY_FAILURES if failed else VERIFY_NOTES),
            )
        if status == CaseStatus.TO_EVALUATE and p.evaluations:
            satisfaction = p.evaluations.pop(0)
            comment = rng.choice(COMMENTS[Satisfaction(satisfaction)])
            if p.phone and (case.level != Level.COMMUNITY or rng.random() < 0.6):
                # The resident answers the text message with the case number and their phone.
                return services.evaluate_case(
                    case, satisfaction=satisfaction, comment=comment, reporter_phone=p.phone, by=DEMO
                )
            # The reporter themselves, or the desk recording a follow-up call (回访).
            by = p.reporter if p.reporter is not None and not p.phone else self.desk[case.community_id]
            return services.evaluate_case(case, satisfaction=satisfaction, comment=comment, by=by)
        return None

    def _manager(self, p: Plan, case: Case) -> User:
        """Who runs the desk for the case at its level: the community, the street or the county."""
        if case.level == Level.COMMUNITY:
            return self.desk[case.community_id]
        if case.level == Level.STREET:
            return self.street_staff[p.spot.street.pk]
        return self.district_staff

    def _superior(self, p: Plan, case: Case) -> User:
        return self.street_staff[p.spot.street.pk] if case.level == Level.COMMUNITY else self.district_staff

    def _route(self, p: Plan, case: Case) -> tuple[HandlerUnit, list[HandlerUnit]]:
        if case.level == Level.COMMUNITY:
            key = p.leads[0] if p.leads else "community"
        else:
            key = ESCALATED.get(case.category.code.split(".")[0], "street:urban")
            if case.level == Level.DISTRICT and key.startswith("street:"):
                key = "county:urban" if key == "street:urban" else "county:police"
        unit = self._unit_for(key, p.spot)
        co: list[HandlerUnit] = []
        if p.co_unit and case.level == Level.COMMUNITY and case.dispatched_at is None:
            other = self._unit_for(p.co_unit, p.spot)
            co = [other] if other.pk != unit.pk else []
        return unit, co

    def _unit_for(self, key: str, spot: Spot) -> HandlerUnit:
        community = ("community", spot.building.community_id)
        if key == "property":
            return spot.property_unit or self.units[community]
        if key == "community":
            return self.units[community]
        if key.startswith("street:"):
            return self.units[(key, spot.street.pk)]
        return self.units[key]

    def _photo(self, name: str) -> SimpleUploadedFile:
        """A small picture of shapes: enough for the case pages to show a real photo."""
        rng = self.rng
        image = Image.new("RGB", (320, 240), tuple(rng.randint(150, 215) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randint(0, 280), rng.randint(0, 200)
            box = (x, y, x + rng.randint(20, 140), y + rng.randint(20, 110))
            colour = tuple(rng.randint(40, 200) for _ in range(3))
            (draw.rectangle if rng.random() < 0.6 else draw.ellipse)(box, fill=colour)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=70)
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
