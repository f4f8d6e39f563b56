#!/usr/bin/env bash
# `make bench` measures PostgreSQL too: start the local cluster when it is not running (as
# .ci/run does). The harness creates and drops its own databases (shequ_bench_*) on it.
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  fi
fi
pg_isready -q -h 127.0.0.1 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432 (use BENCH_ARGS=--db sqlite)"; exit 1; }
