"""API benchmark and load scenario: gunicorn on loopback against the bench database.

API: each endpoint is loaded with wrk for a fixed time (8 connections, 2 threads) after a short
warm-up; requests/s and p95 are compared with `/healthz`, a trivial JSON endpoint on the same
server (no login, one `SELECT 1`). Load: locust, 200 users mixing reads and writes
(bench/locustfile.py), against gunicorn + PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .common import ROOT, VAR, child_env, log, worker
from .report import Figure

WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
CONNECTIONS = 8
RESIDENT_LIST_RATIO = 1 / 3
LOAD_P95_NOTE = "p95 over every request of the scenario"

WRK_SCRIPT = """
local paths = {%(paths)s}
local token = "%(token)s"
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  if token ~= "" then
    return wrk.format("GET", path, {["Authorization"] = "Token " .. token})
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH-WRK {\\"requests\\": %%d, \\"seconds\\": %%f, \\"errors\\": %%d, \\"p50_ms\\": %%f, \\"p95_ms\\": %%f}\\n",
    summary.requests, summary.duration / 1e6, errors, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(url: str) -> Iterator[str]:
    port = _free_port()
    log_path = VAR / "gunicorn.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "shequ.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=child_env(url),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as r:  # noqa: S310
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            else:
                raise RuntimeError(f"gunicorn did not start: see {log_path}")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wrk(base: str, paths: list[str], token: str, seconds: int) -> dict[str, Any]:
    if not shutil.which("wrk"):
        subprocess.run(["bash", str(ROOT / "bench" / "ensure_wrk.sh")], check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "token": token})
        script = f.name
    try:
        warm = ["wrk", "-t1", "-c2", "-d2s", "-s", script, base]
        subprocess.run(warm, check=True, capture_output=True)
        cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s", "-s", script, base]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script)
    line = next(line for line in out.splitlines() if line.startswith("BENCH-WRK "))
    got = json.loads(line[len("BENCH-WRK ") :])
    got["rps"] = round(got["requests"] / got["seconds"], 1)
    return got


def run_api(db: str, city: str, options: dict[str, Any]) -> tuple[list[Figure], dict[str, Any]]:
    data = worker(city, "api-setup")
    tokens = data["tokens"]
    seconds = options["api_seconds"]
    endpoints: list[tuple[str, list[str], str]] = [
        ("trivial /healthz", ["/healthz"], ""),
        ("resident list (community worker)", ["/api/v1/residents/"], tokens["worker"]),
        ("resident list (district admin)", ["/api/v1/residents/"], tokens["district"]),
        ("resident detail", [f"/api/v1/residents/{pk}/" for pk in data["residents"]], tokens["worker"]),
        ("grid GeoJSON (community worker)", ["/api/v1/grids/geojson/"], tokens["worker"]),
    ]
    if data["cases"]:
        endpoints.append(("case list (community worker)", ["/api/v1/cases/"], tokens["worker"]))
    results: dict[str, Any] = {"gunicorn_workers": WORKERS, "connections": CONNECTIONS, "seconds": seconds}
    with gunicorn(city) as base:
        for name, paths, token in endpoints:
            log(f"{db}: api: {name}, {seconds} s")
            results[name] = _wrk(base, paths, token, seconds)
    trivial = results["trivial /healthz"]
    figures = [
        Figure(f"api {trivial_name}", trivial["rps"], None, "req/s", note=f"p95 {trivial['p95_ms']:.1f} ms")
        for trivial_name in ["trivial /healthz"]
    ]
    for name, _paths, _token in endpoints[1:]:
        got = results[name]
        target = name == "resident list (community worker)"
        figures.append(
            Figure(
                f"api {name}",
                got["rps"],
                trivial["rps"],
                "req/s",
                f"ratio >= {RESIDENT_LIST_RATIO:.2f}" if target else "",
                met=(got["rps"] / trivial["rps"] >= RESIDENT_LIST_RATIO and got["errors"] == 0)
                if target
                else None,
                note=f"p95 {got['p95_ms']:.1f} ms, p50 {got['p50_ms']:.1f} ms, errors {got['errors']}",
            )
        )
    return figures, results


def run_load(db: str, city: str, options: dict[str, Any]) -> tuple[list[Figure], dict[str, Any]]:
    data = worker(city, "api-setup")
    minutes = options["load_minutes"]
    users = options["load_users"]
    data_path = VAR / "load-data.json"
    data_path.write_text(json.dumps(data))
    prefix = VAR / "load"
    with gunicorn(city) as base:
        log(f"{db}: load: {users} users for {minutes:g} min (locust)")
        cmd = [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 10)),
            "--run-time",
            f"{max(1, int(minutes * 60))}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        env = child_env(city, BENCH_LOAD_DATA=str(data_path))
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    with Path(f"{prefix}_stats.csv").open() as f:
        rows = list(csv.DictReader(f))
    by_name = {f"{r['Type']} {r['Name']}".strip(): r for r in rows}
    total = by_name.get("Aggregated") or rows[-1]
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    p95 = float(total["95%"])
    rps = float(total["Requests/s"])
    failures_detail = []
    fail_csv = Path(f"{prefix}_failures.csv")
    if fail_csv.exists():
        with fail_csv.open() as f:
            failures_detail = list(csv.DictReader(f))[:10]
    result = {
        "users": users,
        "minutes": minutes,
        "requests": requests,
        "failures": failures,
        "rps": rps,
        "p50_ms": float(total["50%"]),
        "p95_ms": p95,
        "p99_ms": float(total["99%"]),
        "per_request": {
            name: {
                "requests": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "p95_ms": float(r["95%"]),
            }
            for name, r in by_name.items()
            if name != "Aggregated"
        },
        "failure_samples": failures_detail,
        "locust_exit": proc.returncode,
        "locust_stderr_tail": proc.stderr[-2000:],
    }
    figures = [
        Figure(
            f"load: {users} users, {minutes:g} min, errors",
            failures,
            None,
            "errors",
            "0 errors",
            met=failures == 0 and requests > 0,
            note=f"{requests:,} requests, {rps:.1f} req/s, p50 {result['p50_ms']:.0f} ms, p95 {p95:.0f} ms, "
            f"p99 {result['p99_ms']:.0f} ms",
        ),
        Figure(f"load: p95 ({LOAD_P95_NOTE})", p95, None, "ms", "reported"),
    ]
    return figures, result
