"""Each benchmark: run its measurements (in worker processes) and turn them into table rows."""

from __future__ import annotations

from typing import Any

from . import prepare
from .common import fresh_db, log, worker
from .report import Figure

BENCHMARKS = ("import", "search", "figures", "api", "load")
IMPORT_RAW_RATIO = 0.25
IMPORT_IIE_RATIO = 20
IMPORT_MEMORY_MB = 500
SEARCH_P95_MS = 50
FIGURES_MS = 200
Result = tuple[list[Figure], dict[str, Any]]


def run_import(db: str, city: str, options: dict[str, Any]) -> Result:
    scale, rows = options["scale"], options["import_rows"]
    files = worker(city, "make-files", str(rows), f"import-v1-{scale}-{rows}")
    template = prepare.import_template(db, scale, city)
    runs: dict[str, Any] = {"file": files}
    for kind in ("csv", "xlsx"):
        url = fresh_db(db, "shequ_bench_imprun", template=template)
        log(f"{db}: import: shequ .{kind}, {rows:,} rows")
        runs[f"shequ_{kind}"] = worker(url, "import-shequ", files[kind])
    url = fresh_db(db, "shequ_bench_imprun", template=template)
    log(f"{db}: import: raw bulk load, {rows:,} rows")
    runs["raw"] = worker(url, "import-raw", files["csv"])
    sample = min(rows, 2000 if options["quick"] else 10_000)
    url = fresh_db(db, "shequ_bench_imprun", template=template)
    log(f"{db}: import: django-import-export, a sample of {sample:,} rows")
    runs["django_import_export"] = worker(url, "import-iie", files["csv"], str(sample))
    raw = runs["raw"]["rows_per_s"]
    iie = runs["django_import_export"]["rows_per_s"]
    figures = []
    for kind in ("csv", "xlsx"):
        got = runs[f"shequ_{kind}"]
        ok = got["failed"] == 0 and got["created"] == rows
        figures.append(
            Figure(
                f"import .{kind}: shequ vs raw load",
                got["rows_per_s"],
                raw,
                "rows/s",
                f"ratio >= {IMPORT_RAW_RATIO}",
                met=ok and got["rows_per_s"] / raw >= IMPORT_RAW_RATIO,
                note="" if ok else f"{got['failed']} rows failed: {got['errors'][:2]}",
            )
        )
    shequ_csv = runs["shequ_csv"]["rows_per_s"]
    figures.append(
        Figure(
            "import .csv: shequ vs django-import-export",
            shequ_csv,
            iie,
            "rows/s",
            f"ratio >= {IMPORT_IIE_RATIO}",
            met=shequ_csv / iie >= IMPORT_IIE_RATIO,
            note=f"django-import-export timed on {sample:,} rows and extrapolated" if sample < rows else "",
        )
    )
    peak = max(runs["shequ_csv"]["peak_rss_mb"], runs["shequ_xlsx"]["peak_rss_mb"])
    figures.append(
        Figure(
            "import: peak memory (RSS)",
            peak,
            None,
            "MB",
            f"< {IMPORT_MEMORY_MB} MB",
            met=peak < IMPORT_MEMORY_MB,
        )
    )
    return figures, runs


def run_search(db: str, city: str, options: dict[str, Any]) -> Result:
    got = worker(city, "search", "20" if options["quick"] else "30")
    base = got["baseline_get_by_pk"]["p95_ms"]
    figures = [
        Figure(
            f"search p95, all {got['queries']} queries",
            got["all"]["p95_ms"],
            base,
            "ms",
            f"p95 < {SEARCH_P95_MS} ms",
            met=got["all"]["p95_ms"] < SEARCH_P95_MS,
            note=f"p50 {got['all']['p50_ms']} ms; baseline: a resident by primary key through the same scope",
        )
    ]
    for kind, s in got["by_kind"].items():
        figures.append(
            Figure(
                f"search p95: {kind}",
                s["p95_ms"],
                base,
                "ms",
                f"< {SEARCH_P95_MS} ms",
                met=s["p95_ms"] < SEARCH_P95_MS,
            )
        )
    for user, s in got["by_user"].items():
        figures.append(
            Figure(
                f"search p95: as {user}",
                s["p95_ms"],
                base,
                "ms",
                f"< {SEARCH_P95_MS} ms",
                met=s["p95_ms"] < SEARCH_P95_MS,
            )
        )
    return figures, got


def run_figures(db: str, city: str, options: dict[str, Any]) -> Result:
    got = worker(city, "figures")
    base = got["baseline_dashboard_community_ms"]
    figures = [
        Figure(f"figures: {name}", ms, base, "ms", f"< {FIGURES_MS} ms warm", met=ms < FIGURES_MS)
        for name, ms in got["warm_ms"].items()
    ]
    for name, ms in got.get("live_ms", {}).items():
        figures.append(
            Figure(
                f"figures: {name}",
                ms,
                base,
                "ms",
                note="for comparison: what the district page counted before the snapshot (and before a first refresh)",
            )
        )
    if "refresh_s" in got:
        figures.append(
            Figure(
                "figures: refresh job (every community)",
                got["refresh_s"],
                None,
                "s",
                note=f"manage.py refresh_figures over {got['communities']} communities; a job, not a page",
            )
        )
    return figures, got


def run_api(db: str, city: str, options: dict[str, Any]) -> Result:
    from .api import run_api as run

    return run(db, city, options)


def run_load(db: str, city: str, options: dict[str, Any]) -> Result:
    from .api import run_load as run

    return run(db, city, options)
