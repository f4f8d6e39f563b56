"""Run callables at the same moment, each in its own thread with its own database connection, to
prove that claims, bookings and sequence numbers have exactly one winner (DESIGN rule 5).

    outcomes = race(lambda: take_case(case, by=a), lambda: take_case(case, by=b))
    assert sorted(o.ok for o in outcomes) == [False, True]

Only a database with real row locks can lose such a race, so tests that use it run on PostgreSQL
(`@pytest.mark.django_db(transaction=True)` so that the threads see committed rows) and skip on
SQLite, which serialises every writer anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


@dataclass
class Outcome:
    """What one racer ended with: its return value, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class RaceTimeout(AssertionError):
    """A racer did not finish in time: most likely a lock that is never released."""


def race(
    *callables: Callable[[], Any], timeout: float = 30.0, using: str = DEFAULT_DB_ALIAS
) -> list[Outcome]:
    """Start every callable in its own thread, release them together behind a barrier, wait for
    all of them and return their outcomes in the order given. Each thread connects before the
    barrier (so nobody gets a head start by connecting sooner) and closes its connections when
    done, so none is left open for the test database teardown."""
    if len(callables) < 2:
        raise ValueError("a race needs at least two runners")
    barrier = threading.Barrier(len(callables), timeout=timeout)
    outcomes = [Outcome() for _ in callables]

    def run(index: int, func: Callable[[], Any]) -> None:
        try:
            connections[using].ensure_connection()
            barrier.wait()
            outcomes[index].value = func()
        except BaseException as exc:  # a racer's failure is a result, reported to the test
            outcomes[index].error = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, func), name=f"racer-{i}", daemon=True)
        for i, func in enumerate(callables)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        raise RaceTimeout(f"{', '.join(stuck)} still running after {timeout} s")
    return outcomes


def errors(outcomes: list[Outcome]) -> list[BaseException]:
    return [o.error for o in outcomes if o.error is not None]
