# Baton: `make run` serves the app with demo data; `make test` runs every check and all three test legs.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core redis-server postgresql chromium
FAST_ENV := env -u DATABASE_URL -u REDIS_URL -u DEBUG -u SECRET_KEY -u ALLOWED_HOSTS

.PHONY: run test install system-deps python-deps npm-deps lint checks test-fast test-integration test-e2e bench

run: install
	$(FAST_ENV) $(PY) manage.py migrate --noinput
	$(FAST_ENV) $(PY) manage.py seed_demo
	@echo "Baton is serving on http://127.0.0.1:8000/ — sign in as lead / baton-demo-2026 (see README)."
	$(FAST_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: install lint checks test-fast test-integration test-e2e
	@echo "All checks and the three test legs passed."

install: system-deps python-deps npm-deps

system-deps:
	@.ci/system-deps $(DEB_PACKAGES)

python-deps:
	@.ci/python-deps

npm-deps:
	@.ci/npm-deps

lint:
	.venv/bin/ruff check .
	@echo "import-linter: the kernel imports no app, vendors <- awards <- contracts, no demo or test code in production"
	.venv/bin/lint-imports
	@echo "bandit: medium and high findings fail (a justified exception carries '# nosec' and its reason on the line above)"
	.venv/bin/bandit -q -r procurement vendors awards contracts -x "*/migrations/*" --severity-level medium

checks:
	$(FAST_ENV) BATON_TESTING=1 $(PY) manage.py check --fail-level WARNING
	$(FAST_ENV) BATON_TESTING=1 $(PY) manage.py makemigrations --check --dry-run

test-fast:
	@echo "=== fast leg (SQLite, eager Celery) ==="
	$(FAST_ENV) $(PY) -m pytest -m "not integration and not e2e" -q -n 2

test-integration:
	@echo "=== integration leg (PostgreSQL, Redis, Celery worker process) ==="
	$(FAST_ENV) .ci/with-services $(PY) -m pytest -m integration -q

test-e2e:
	@echo "=== e2e leg (headless Chromium) ==="
	$(FAST_ENV) DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m e2e -q

# Not part of `make test`: builds the 1x and 10x datasets in a throwaway PostgreSQL, measures pages, scoring,
# PDFs and load (gunicorn + wrk), prints the targets and writes var/bench/results.json (docs/performance.md).
# BENCH_ARGS=--quick for a smoke run.
BENCH_ARGS ?=
bench: install
	@.ci/system-deps wrk
	$(FAST_ENV) .ci/with-services $(PY) -m tests.bench $(BENCH_ARGS)
