# shequ: two commands for a newcomer: `make demo` and `make test` (README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install demo serve test lint check audit pytest bench messages clean

install: $(VENV)/.installed shequ/static/vendor/.copied
	bash scripts/ensure_pdf_libs.sh

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

shequ/static/vendor/.copied: package.json
	npm install --no-audit --no-fund --loglevel=error
	$(PY) scripts/copy_vendor.py
	touch $@

messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'node_modules/*' --no-obsolete
	$(PY) manage.py compilemessages -l zh_Hans --ignore '.venv/*'

demo: install
	mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py demo_accounts
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C stops the server, the task worker, the case clock and the figures job)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py db_worker --queue-name '*' & \
	  $(PY) manage.py run_case_clock --every 60 & \
	  $(PY) manage.py refresh_figures --every 300 & \
	  DEBUG=1 SHEQU_ADMIN_ENABLED=1 $(PY) manage.py runserver --noreload $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff format --check shequ scripts bench
	$(VENV)/bin/ruff check shequ scripts bench
	$(VENV)/bin/mypy shequ
	$(VENV)/bin/lint-imports

check: install
	$(PY) manage.py makemigrations --check --dry-run -v0
	# On an empty in-memory database, whatever var/ holds: this checks the configuration, not the
	# data (the calendar's data warning, shequ.W001, is for `manage.py check` on a real database).
	DATABASE_URL=sqlite://:memory: SHEQU_PRODUCTION=1 SECRET_KEY=ci-$$(head -c 32 /dev/urandom | base64 | tr -dc a-zA-Z0-9)-not-used-for-anything-else \
	  SHEQU_FIELD_KEY=$$(head -c 32 /dev/urandom | base64) SHEQU_HASH_KEY=$$(head -c 32 /dev/urandom | base64) \
	  ALLOWED_HOSTS=shequ.example.org $(PY) manage.py check --deploy --fail-level WARNING

# Known vulnerabilities in the installed (pinned) packages; accepted ones are listed in the script
# and docs/security.md. Says so, and goes on, where PyPI's JSON API cannot be reached.
audit: install
	$(PY) scripts/audit_dependencies.py

pytest: install
	bash scripts/ensure_browser.sh
	@set +e; $(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

test: lint check audit pytest

# `make bench`: the scale benchmarks on SQLite, then PostgreSQL (docs/benchmarks.md). A city of
# 1,000,000 residents by default; BENCH_ARGS=--quick for a 20,000-resident run in minutes.
bench: install $(VENV)/.bench-installed
	bash bench/ensure_wrk.sh
	@if [[ " $(BENCH_ARGS) " != *" --db sqlite "* ]]; then bash bench/ensure_postgres.sh; fi
	$(PY) -m bench $(BENCH_ARGS)

$(VENV)/.bench-installed: pyproject.toml
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,bench]'
	touch $@

clean:
	rm -rf $(VENV) node_modules shequ/static/vendor staticfiles test-artifacts
