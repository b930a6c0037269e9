# Collab Portal. The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORTAL_PORT ?= 8000
# The address the e-mails' links point to: the port the portal runs on, unless told otherwise.
PORTAL_BASE_URL ?= http://127.0.0.1:$(PORTAL_PORT)
# The suite's pytest-xdist workers, one per core: PostgreSQL and Chromium compute on the same two
# cores, and each worker first migrates a database of its own, so a third measured slower
# (tests/fixtures/workers.py: what each worker has of its own).
TEST_WORKERS ?= 2

.PHONY: run test setup setup-test check lint format messages compile-messages clean benchmark load-benchmark

run: setup ## Set up, migrate, seed the demo company, start the portal and its Celery worker
	$(PY) manage.py migrate --noinput
	PORTAL_BASE_URL=$(PORTAL_BASE_URL) $(PY) manage.py seed_demo
	@echo ""
	@echo "  Collab Portal: http://127.0.0.1:$(PORTAL_PORT)/   (Ctrl-C stops the web server and the worker)"
	@echo ""
	PORTAL_PORT=$(PORTAL_PORT) PORTAL_BASE_URL=$(PORTAL_BASE_URL) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho --procfile Procfile.dev start

test: setup-test check ## Set up, then run the whole suite (on TEST_WORKERS processes; 0: in one)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

setup: $(STAMP)
	@bash scripts/ensure_system_packages.sh
	@mkdir -p var

setup-test: setup
	@bash scripts/ensure_system_packages.sh --browser

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

check: setup ## ruff, migrations and translations up to date
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

lint: check

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: setup ## Extract new strings into locale/*/django.po
	$(PY) manage.py makemessages --locale zh_Hans --locale en --no-obsolete --no-location \
		--ignore "$(VENV)/*" --ignore "node_modules/*" --ignore "var/*" --ignore "static/vendor/*"

compile-messages: setup
	$(PY) manage.py compilemessages --ignore "$(VENV)/*" --ignore "node_modules/*"

clean:
	rm -rf var/broker var/celerybeat-schedule* var/test.sqlite3

benchmark: setup ## Page and PDF timings on a seeded scratch database (PostgreSQL if DATABASE_URL is unset and one answers)
	@if [ -z "$$BENCHMARK_DATABASE_URL" ] && pg_isready -h 127.0.0.1 -q 2>/dev/null; then \
		psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='collab_benchmark'" | grep -q 1 || \
		psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE collab_benchmark" >/dev/null; \
		export BENCHMARK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_benchmark; \
	fi; \
	DATABASE_URL=$${BENCHMARK_DATABASE_URL:-sqlite:///$(CURDIR)/var/benchmark.sqlite3} $(PY) benchmarks/pages.py $(ARGS) && \
	DATABASE_URL=$${BENCHMARK_DATABASE_URL:-sqlite:///$(CURDIR)/var/benchmark.sqlite3} $(PY) benchmarks/tracking.py

load-benchmark: setup ## 50 people on the daily pages through gunicorn, a large company on PostgreSQL; writes benchmarks/LOAD.md
	@pg_isready -h 127.0.0.1 -q || { echo "load-benchmark needs PostgreSQL on 127.0.0.1:5432"; exit 1; }
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='collab_benchmark_load'" | grep -q 1 || \
		psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE collab_benchmark_load" >/dev/null
	DATABASE_URL=$${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/collab_benchmark_load} \
		$(PY) benchmarks/load.py --report benchmarks/LOAD.md $(ARGS)

.PHONY: backup restore
backup: $(STAMP) ## Back up the database and the uploaded files into $(BACKUP_DIR) (default var/backups; docs/operators-guide.md)
	bash scripts/backup.sh "$(or $(BACKUP_DIR),var/backups)"

restore: $(STAMP) ## Replace the database and the uploaded files with a backup: make restore BACKUP=var/backups/collab-portal-…
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/collab-portal-YYYYmmdd-HHMMSS"; exit 2; }
	bash scripts/restore.sh "$(BACKUP)"
