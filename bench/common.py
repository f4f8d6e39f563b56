"""Paths, database URLs and the helpers every benchmark shares (no Django import here)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
PY = sys.executable
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
QUICK_SCALE = 20_000
FULL_SCALE = 1_000_000
RESULT_PREFIX = "BENCH-RESULT "


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def db_url(db: str, name: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{VAR / (name + '.sqlite3')}"
    return f"{PG_BASE}/{name}"


def migration_files() -> dict[str, str]:
    """Every migration file and a hash of its text: a cached database is migrated forward when
    files were only added, and rebuilt when one it was built with changed or disappeared."""
    return {
        str(path.relative_to(ROOT)): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in sorted((ROOT / "shequ").glob("*/migrations/*.py"))
    }


def child_env(url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("DEBUG", None)
    env.update(extra)
    return env


def manage(url: str, *args: str, quiet: bool = False, env: dict[str, str] | None = None) -> None:
    """`manage.py ...` against one database, output passed through unless `quiet`."""
    subprocess.run(
        [PY, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=child_env(url, **(env or {})),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def worker(url: str, task: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m bench.worker TASK ARGS` against one database; its result is the JSON it prints."""
    proc = subprocess.run(
        [PY, "-m", "bench.worker", task, *args],
        cwd=ROOT,
        env=child_env(url, **(env or {})),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
        else:
            print("    " + line, flush=True)
    if proc.returncode != 0 or result is None:
        raise RuntimeError(f"bench worker {task} failed (exit {proc.returncode})")
    return result


# --- PostgreSQL databases (psycopg from the project's own dependencies) ------------------------


def _pg(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def pg_exists(name: str) -> bool:
    return bool(_pg("SELECT 1 FROM pg_database WHERE datname = %s", (name,)))


def pg_drop(name: str) -> None:
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_create(name: str, template: str | None = None) -> None:
    pg_drop(name)
    _pg(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def fresh_db(db: str, name: str, template: str | None = None) -> str:
    """An empty database (or a copy of `template`) named `name`; returns its URL."""
    VAR.mkdir(parents=True, exist_ok=True)
    if db == "postgres":
        pg_create(name, template)
        return db_url(db, name)
    path = VAR / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    if template:
        import sqlite3

        src = sqlite3.connect(VAR / f"{template}.sqlite3")
        dst = sqlite3.connect(path)
        src.backup(dst)
        src.close()
        dst.close()
    return db_url(db, name)


def db_present(db: str, name: str) -> bool:
    if db == "postgres":
        return pg_exists(name)
    return (VAR / f"{name}.sqlite3").exists()
