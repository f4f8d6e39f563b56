"""The `--every SECONDS` loop of the periodic jobs (the case clock, the figures refresh): run one
pass, log a failure and go on, sleep out the rest of the period, stop on Ctrl-C."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.core.management.base import CommandError
from django.db import close_old_connections


def run_every(
    every: int,
    one_pass: Callable[[], None],
    *,
    out: Callable[[str], None],
    logger: logging.Logger,
    starting: str,
    failed: str,
    stopped: str,
) -> None:
    """Run `one_pass` once every `every` seconds until interrupted. `failed` is logged with the
    exception and `every` as its one argument (e.g. "The case clock failed; trying again in %s s.")."""
    if every < 1:
        raise CommandError("--every needs a number of seconds of at least 1.")
    out(starting)
    try:
        while True:
            started = time.monotonic()
            close_old_connections()  # a connection the database dropped is not reused
            try:
                one_pass()
            except Exception:  # one failed run must not stop the job
                logger.exception(failed, every)
            time.sleep(max(0.0, every - (time.monotonic() - started)))
    except KeyboardInterrupt:
        out(stopped)
