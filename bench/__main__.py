"""`python -m bench [--scale N] [--db sqlite|postgres|both] [--only ...] [--quick]` (docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from typing import Any

from . import prepare
from .common import FULL_SCALE, QUICK_SCALE, RESULTS, VAR, log
from .report import Figure, print_table
from .runs import BENCHMARKS, run_api, run_figures, run_import, run_load, run_search

RUNNERS = {
    "import": run_import,
    "search": run_search,
    "figures": run_figures,
    "api": run_api,
    "load": run_load,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=int, help=f"residents in the city (default {FULL_SCALE:,})")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated subset of {','.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help=f"a small city ({QUICK_SCALE:,}) and short runs")
    parser.add_argument("--import-rows", type=int, help="rows in the import file (default: the scale)")
    parser.add_argument("--api-seconds", type=int, help="seconds per API endpoint (default 20, quick 8)")
    parser.add_argument("--load-minutes", type=float, help="length of the load scenario (default 5, quick 1)")
    parser.add_argument("--load-users", type=int, default=200, help="concurrent users in the load scenario")
    args = parser.parse_args(argv)
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = set(only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    scale = args.scale or (QUICK_SCALE if args.quick else FULL_SCALE)
    options = {
        "scale": scale,
        "quick": args.quick,
        "import_rows": args.import_rows or scale,
        "api_seconds": args.api_seconds or (8 if args.quick else 20),
        "load_minutes": args.load_minutes if args.load_minutes is not None else (1.0 if args.quick else 5.0),
        "load_users": args.load_users,
    }
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    VAR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = False
    for db in dbs:
        started = time.monotonic()
        figures: list[Figure] = []
        details: dict[str, Any] = {}
        city = prepare.city(db, scale)
        for name in only:
            if name == "load" and db != "postgres":
                log("load: the load scenario runs against PostgreSQL only (SQLite serialises writers)")
                continue
            log(f"{db}: {name} ...")
            try:
                got, detail = RUNNERS[name](db, city, options)
            except Exception as exc:  # one broken benchmark must not hide the others' figures
                log(f"{db}: {name} FAILED: {exc!r}")
                got, detail = (
                    [Figure(f"{name}: failed", None, None, "", note=repr(exc)[:80])],
                    {"error": repr(exc)},
                )
                failed = True
            figures += got
            details[name] = detail
        print_table(f"shequ bench: {db}, {scale:,} residents", figures)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = RESULTS / f"{stamp}-{db}.json"
        out.write_text(
            json.dumps(
                {
                    "db": db,
                    "scale": scale,
                    "options": options,
                    "started": stamp,
                    "seconds": round(time.monotonic() - started, 1),
                    "seed_seconds": prepare.seed_seconds(db, scale),
                    "machine": {
                        "python": sys.version.split()[0],
                        "platform": platform.platform(),
                        "cpus": _cpus(),
                    },
                    "figures": [f.as_dict() for f in figures],
                    "details": details,
                },
                indent=2,
                ensure_ascii=False,
                default=str,
            )
        )
        log(f"saved {out.relative_to(RESULTS.parent.parent)}")
    return 1 if failed else 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
