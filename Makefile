# The two commands: `make run` sets up everything and serves the app; `make test` sets up
# everything and runs every test (backend on SQLite, and on PostgreSQL when TEST_DATABASE_URL
# is set; the frontend's generated API types current (`make types`) and its unit tests; browser
# tests in Chromium).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
UV := $(shell bash scripts/ensure-uv.sh)
export UV
FRONTEND_SOURCES := $(shell find frontend/src frontend/public frontend/index.html \
	frontend/build frontend/vite.config.ts frontend/package.json -type f 2>/dev/null)

.PHONY: run test setup backend frontend test-backend test-frontend test-e2e types lint format clean

run: setup
	$(UV) run --frozen python -m app.cli serve --demo

test: setup
	$(MAKE) --no-print-directory test-frontend test-e2e test-backend

setup: backend frontend

backend: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

frontend: frontend/dist/index.html

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	npm --prefix frontend ci --no-audit --no-fund
	@touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	npm --prefix frontend run build
	@touch $@

test-backend: backend
	bash scripts/test-backend.sh

test-frontend: frontend backend
	bash scripts/types.sh --check
	npm --prefix frontend test

# The frontend's API types (frontend/src/api/schema.d.ts) from the backend's OpenAPI document.
types: backend frontend/node_modules/.installed
	bash scripts/types.sh

test-e2e: setup
	bash scripts/ensure-chromium.sh
	bash scripts/e2e.sh

lint: backend
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy app

format: backend
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

clean:
	rm -rf .venv frontend/node_modules frontend/dist

# Month-end load against the local PostgreSQL (drops and recreates the vp_bench database);
# writes its figures to docs/PERFORMANCE.md. Override with e.g. BENCH_ARGS="--duration 10".
.PHONY: bench
bench: backend
	$(UV) run --frozen python -m bench.month_end $(BENCH_ARGS)
	$(UV) run --frozen python -m bench.evaluation_hall
	$(UV) run --frozen python -m bench.member_import --write
	$(UV) run --frozen python -m bench.grading_city --write

# Lighthouse (mobile) on the member home page, the public rating page and the annual grading's screens (the live
# score, a secretary's run, the admin's runs), median of 5 runs, with Debian's Chromium; writes its figures to
# docs/PERFORMANCE.md (LIGHTHOUSE_DOC names another file).
.PHONY: bench-web
bench-web: setup
	bash scripts/ensure-chromium.sh
	bash scripts/bench-web.sh
