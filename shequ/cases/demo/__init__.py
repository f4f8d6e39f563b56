"""The demo county's cases (DESIGN "Shape of the demo"): handler units, the staff who work the loop,
and a year of cases walked through the real services, so every case file, timestamp and clock is
what the loop itself would have written.

`manage.py seed_demo` calls `seed_demo()` here once the registry's part is built, in the same
transaction (the registry finds it through the app registry, so it imports none of the apps built
on top of it). Everything is drawn from one `random.Random` seeded from `--seed`, in a fixed order,
so a seed gives the same cases (their dates count back from today, like the registry's life events).

Where things are: county.py (places, handler units, who handles what, the staff), texts.py (what
people report and write), plans.py (drawing up the year), play.py (playing it through the loop).

How the year is played. Every case gets a plan up front: where, what, who reports it and how it
will go (refused, merged, escalated, returned, late, suspended, unsatisfied...). Each plan becomes a
small script, a generator that does one step through the services and yields the moment of its
next one. A scheduler runs all scripts in time order under `acting_at(moment)`, and runs the
periodic job (`run_clock`) in between (five times a working day), so due-soon and overdue events,
reminders, automatic supervision and escalation, and the closing of unevaluated cases happen when
they would have, and every case file reads in time order. Steps due after now are not run: the
latest cases stay open wherever they have got to. A few cases are planned to stand at each open
status now, some of them due soon or overdue, so every list and light has something to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .county import Summary
from .play import CaseDemo

__all__ = ["CaseDemo", "Summary", "seed_demo"]


def seed_demo(
    *,
    seed: int,
    scale: int,
    out: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
) -> Summary:
    """The cases of the demo county (`manage.py seed_demo` runs it after the registry's part)."""
    write = out or (lambda _msg: None)
    write("Cases: handler units, staff and a year of cases through the loop…")
    summary = CaseDemo(seed=seed, scale=scale, now=now, out=write).build()
    statuses = ", ".join(f"{s} {n:,}" for s, n in summary.statuses.most_common())
    write(
        f"Cases: {summary.cases:,} ({statuses}); {summary.units} handler units, {summary.staff} staff "
        f"without a login, {summary.warnings} open hot spots; {summary.seconds:.1f} s"
    )
    for failure in summary.failures[:10]:
        write(f"  a planned step did not fit: {failure}")
    return summary
