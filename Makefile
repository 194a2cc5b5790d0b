# Two commands do everything: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
# Local commands (run, test, demo) default to development mode; production sets DEBUG=false.
export DEBUG ?= true

.PHONY: run test install browser pdf-libs nginx migrate demo lint format lock dagster sandbox clean
.PHONY: bench bench-smoke bench-exports

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements.lock $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

## Load the demo company (only when the database holds no company) and an admin user.
demo: migrate
	$(BIN)/python manage.py bootstrap_demo

## The web server, the sync worker (runs "Sync now" and first syncs) and, unless a real
## Unified.to key is configured (environment or .env), the local Unified.to sandbox to connect
## to. Ctrl-C stops all three.
SANDBOX_PORT ?= 8765
run: demo pdf-libs
	@pids=""; \
	if [ -z "$$UNIFIED_API_KEY" ] && ! grep -qs '^UNIFIED_API_KEY=..*' .env; then \
	  export UNIFIED_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) UNIFIED_API_KEY=sandbox-key; \
	  export UNIFIED_WORKSPACE_ID=$${UNIFIED_WORKSPACE_ID:-sandbox}; \
	  echo "Unified.to sandbox on port $(SANDBOX_PORT) (no UNIFIED_API_KEY configured)"; \
	  $(BIN)/python -m connectors.unified.sandbox --port $(SANDBOX_PORT) & pids="$$!"; \
	fi; \
	$(BIN)/python manage.py run_sync_worker & pids="$$pids $$!"; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Browser tests drive Debian's Chromium; install it when missing and we may (root + apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium not found: browser tests will be skipped"; fi; }

## WeasyPrint (PDF exports) needs Pango; install Debian's when missing and we may (root + apt).
pdf-libs:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Pango for WeasyPrint"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation >/dev/null; } \
	      || echo "could not install Pango: PDF exports will fail"; \
	  else echo "Pango not found: PDF exports need libpango-1.0-0 and libpangoft2-1.0-0"; fi; }

## The production smoke test (deploy/tests/test_smoke.py) runs Debian's nginx in front of
## gunicorn, as the current user on its own ports; install it when missing and we may (root + apt).
nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's nginx for the production smoke test"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } \
	      || echo "could not install nginx: the smoke test will be skipped"; \
	  else echo "nginx not found: the production smoke test will be skipped"; fi; }

test: install browser pdf-libs nginx
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Re-resolve the lock file after editing pyproject.toml.
lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

dagster: migrate
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/var/dagster} ; mkdir -p $$DAGSTER_HOME ; \
	DAGSTER_HOME=$$DAGSTER_HOME $(BIN)/dagster dev -m etl.definitions -h $(HOST) -p 3000

sandbox: install
	$(BIN)/python -m connectors.unified.sandbox --port 8765

## Issue 14's benchmark (bench/README.md); results appended to bench/RESULTS.md. DATABASE_URL
## must be a PostgreSQL database of the bench's own: it is emptied before every size.
BENCH_SIZES ?= 10000 100000 1000000
bench: install
	@test -n "$$DATABASE_URL" || { echo "make bench needs DATABASE_URL: a PostgreSQL database of its own (it is emptied)"; exit 2; }
	DEBUG=false $(BIN)/python -m bench --sizes "$(BENCH_SIZES)"

## The same harness at 2,000 documents in about a minute (SQLite file unless given a URL).
BENCH_SMOKE_DATABASE_URL ?= sqlite:///$(CURDIR)/var/bench/smoke.sqlite3
bench-smoke: install
	@mkdir -p var/bench
	DEBUG=false DATABASE_URL=$(BENCH_SMOKE_DATABASE_URL) $(BIN)/python -m bench --sizes 2000 \
	  --requests 10 --naive-sizes 2000 --naive-runs 1 --results var/bench/RESULTS-smoke.md

## Issue 17's export timings (bench/exports.py); DATABASE_URL as for `make bench` (emptied).
EXPORTS_DOCUMENTS ?= 100000
EXPORTS_CUSTOMERS ?= 5000
bench-exports: install
	@test -n "$$DATABASE_URL" || { echo "make bench-exports needs DATABASE_URL: a PostgreSQL database of its own"; exit 2; }
	DEBUG=false $(BIN)/python -m bench.exports --documents $(EXPORTS_DOCUMENTS) --customers $(EXPORTS_CUSTOMERS)

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache
