"""The benchmark databases: a seeded city (cached between runs) and an empty import target."""

from __future__ import annotations

import json
import time
from typing import Any

from .common import VAR, db_present, db_url, fresh_db, log, manage, migration_files, worker

SEED = 2026
# The demo plays 30 cases a year per 1,000 residents through the services, about 8 a second: an hour
# for a city of a million. The figures measured need a year of cases, not 30,000 of them.
CASES_CAP = 6000


def demo_cases(scale: int) -> int:
    return min(round(scale * 30 / 1000), CASES_CAP)


def _marker(db: str, name: str) -> Any:
    return VAR / f"{db}-{name}.json"


def _cached(db: str, name: str, want: dict[str, Any]) -> bool:
    """True when the database was built for `want` with migrations that are all still there,
    unchanged; new migrations since are applied and the marker updated."""
    path = _marker(db, name)
    if not path.exists() or not db_present(db, name):
        return False
    try:
        have = json.loads(path.read_text())
    except ValueError:
        return False
    if any(have.get(k) != v for k, v in want.items()):
        return False
    built, now = have.get("migrations") or {}, migration_files()
    if any(now.get(f) != h for f, h in built.items()):
        return False
    if built != now:
        log(f"{db}: {name}: applying {len(set(now) - set(built))} new migration(s) to the cached database")
    # Always, not only when files were added: a marker written by a build that ran while someone
    # added a migration lists that file without the database having it. A no-op when up to date.
    manage(db_url(db, name), "migrate", "--noinput", "-v0")
    if built != now:
        path.write_text(json.dumps({**have, "migrations": now}))
    return True


def city(db: str, scale: int) -> str:
    """The city of `scale` residents, seeded with `seed_demo --scale` once and reused while the
    scale, the seed and the migrations stay the same."""
    name = f"shequ_bench_{scale}"
    url = db_url(db, name)
    want = {"scale": scale, "seed": SEED, "cases": demo_cases(scale)}
    if _cached(db, name, want):
        log(f"{db}: reusing the seeded city {name} ({scale:,} residents)")
        return url
    _marker(db, name).unlink(missing_ok=True)
    log(f"{db}: building the city {name}: migrate + seed_demo --scale {scale:,} (cached afterwards)")
    started = time.monotonic()
    built_with = migration_files()  # before migrating: files added during the build are not in it
    url = fresh_db(db, name)
    manage(url, "migrate", "--noinput", "-v0")
    manage(
        url,
        "seed_demo",
        "--seed",
        str(SEED),
        "--scale",
        str(scale),
        env={"SHEQU_DEMO_CASES": str(demo_cases(scale))},
    )
    worker(url, "analyze")
    seconds = time.monotonic() - started
    marker = {**want, "migrations": built_with, "seed_seconds": round(seconds, 1)}
    _marker(db, name).write_text(json.dumps(marker))
    log(f"{db}: city ready in {seconds:.0f} s")
    return url


def seed_seconds(db: str, scale: int) -> float | None:
    path = _marker(db, f"shequ_bench_{scale}")
    return json.loads(path.read_text()).get("seed_seconds") if path.exists() else None


def import_template(db: str, scale: int, city_url: str) -> str:
    """A migrated database holding only the city's area tree (areas, grids, micro-grids): what an
    import starts from. Copied afresh for every import measured."""
    name = f"shequ_bench_imptpl_{scale}"
    url = db_url(db, name)
    want = {"scale": scale, "seed": SEED}
    if _cached(db, name, want):
        return name
    _marker(db, name).unlink(missing_ok=True)
    log(f"{db}: building the import template {name} (area tree only)")
    dump = VAR / f"areas-{scale}.json"
    manage(
        city_url,
        "dumpdata",
        "registry.area",
        "registry.grid",
        "registry.microgrid",
        "-o",
        str(dump),
        quiet=True,
    )
    built_with = migration_files()
    url = fresh_db(db, name)
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "loaddata", str(dump), "-v0")
    _marker(db, name).write_text(json.dumps({**want, "migrations": built_with}))
    return name
