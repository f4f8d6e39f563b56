"""The demo's figures: `seed_demo` ends with a refresh, so the first dashboard reads a snapshot."""

from __future__ import annotations

from collections.abc import Callable

from shequ.core.actors import System

from . import services


def seed_demo(*, seed: int, scale: int, out: Callable[[str], None] | None = None) -> None:
    done = services.refresh_figures(by=System("seed_demo"))
    if out:
        out(f"Figures: {done.communities} communities counted in {done.seconds:.1f} s")
