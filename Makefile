# Baton: `make run` serves the app with demo data; `make test` runs every check and all three test legs.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
# Serving needs only WeasyPrint's libraries and a font; the tests add the servers they start and the browser.
RUN_DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_DEB_PACKAGES := $(RUN_DEB_PACKAGES) redis-server postgresql chromium nginx
# Baton supports Python 3.12 and 3.13. .venv is built on 3.12 where it exists: it serves `make run` and runs the
# integration and e2e legs. Where 3.13 is on the machine too, the fast leg runs on 3.13 (in .venv-3.13), so both
# versions run a whole leg of the suite within CI's time; where it is not, the fast leg runs in .venv as well.
PY312 := $(shell .ci/python-deps find 3.12)
PY313 := $(shell .ci/python-deps find 3.13)
ifneq ($(and $(PY312),$(PY313)),)
FAST_PY := .venv-3.13/bin/python
else
FAST_PY := $(PY)
endif
FAST_ENV := env -u DATABASE_URL -u REDIS_URL -u CACHE_URL -u S3_BUCKET -u DEBUG -u SECRET_KEY -u ALLOWED_HOSTS
# The migrated SQLite database the fast and e2e legs copy instead of each migrating again (tests/db_template.py).
TEST_DB_TEMPLATE := var/test-db/template.sqlite3

.PHONY: run test install install-run fast-venv bytecode lint checks test-db-template test-fast test-integration \
	test-integration-then-e2e test-e2e bench

# Quiet on purpose: migrations report only failures, the demo's e-mails stay in memory while seeding, and the last
# thing printed before the server's own banner is the address with the demo sign-ins (seed_demo).
run: install-run
	@echo "Preparing the database and the demo data..."
	@$(FAST_ENV) BATON_DEV_KEY_NOTED=1 $(PY) manage.py migrate --noinput --verbosity 0
	@$(FAST_ENV) BATON_DEV_KEY_NOTED=1 $(PY) manage.py seed_demo --address http://localhost:8000/
	@$(FAST_ENV) BATON_DEV_KEY_NOTED=1 $(PY) manage.py runserver 127.0.0.1:8000

# The lint, the checks and the migrated test database are independent: they run side by side on the two cores.
# The integration leg spends most of its time waiting (on PostgreSQL, the workers, the time limits its fault tests
# wait out: the two cores were 50-88 % idle while it ran alone), so it runs beside the fast leg, whose two workers
# take the rest, and the e2e leg follows it there while the fast leg ends. Each leg's output is printed whole when
# it ends; each starts and stops its own servers.
test: install
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint checks test-db-template
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-fast test-integration-then-e2e
	@echo "All checks and the three test legs passed."

test-integration-then-e2e:
	@$(MAKE) --no-print-directory test-integration
	@$(MAKE) --no-print-directory test-e2e

# What serving needs (make run) and what the tests need on top (make test, make bench).
install-run:
	@.ci/system-deps $(RUN_DEB_PACKAGES)
	@.ci/python-deps run
	@.ci/npm-deps run

install: fast-venv
	@.ci/system-deps $(TEST_DEB_PACKAGES)
	@.ci/python-deps test
	@.ci/npm-deps test
	@$(MAKE) --no-print-directory bytecode

# Compiled once here: the environment may forbid Python to write its bytecode cache (PYTHONDONTWRITEBYTECODE), and
# then every process a test starts (workers, servers, manage.py) would compile Baton's modules again.
bytecode:
	@$(PY) -m compileall -q -j 2 procurement vendors awards contracts tests manage.py >/dev/null
	@if [ "$(FAST_PY)" != "$(PY)" ]; then $(FAST_PY) -m compileall -q -j 2 procurement vendors awards contracts tests \
		manage.py >/dev/null; fi

fast-venv:
	@if [ "$(FAST_PY)" != "$(PY)" ]; then .ci/python-deps test 3.13 .venv-3.13; fi

lint:
	.venv/bin/ruff check .
	@echo "import-linter: the kernel imports no app, vendors <- awards <- contracts, no demo or test code in production"
	.venv/bin/lint-imports
	@echo "bandit: medium and high findings fail (a justified exception carries '# nosec' and its reason on the line above)"
	.venv/bin/bandit -q -r procurement vendors awards contracts -x "*/migrations/*" --severity-level medium

checks:
	$(FAST_ENV) BATON_TESTING=1 $(PY) manage.py check --fail-level WARNING
	$(FAST_ENV) BATON_TESTING=1 $(FAST_PY) manage.py check --fail-level WARNING
	$(FAST_ENV) BATON_TESTING=1 $(PY) manage.py makemigrations --check --dry-run

test-db-template:
	$(FAST_ENV) $(PY) -m tests.db_template build $(TEST_DB_TEMPLATE)

test-fast: fast-venv
	@echo "=== fast leg (SQLite, eager Celery) on $$($(FAST_PY) -V) ==="
	$(FAST_ENV) BATON_TEST_DB_TEMPLATE=$(TEST_DB_TEMPLATE) $(FAST_PY) -m pytest -m "not integration and not e2e" -q -n 2

test-integration:
	@echo "=== integration leg (PostgreSQL, Redis, S3 API, Celery workers, two web instances) on $$($(PY) -V) ==="
	$(FAST_ENV) .ci/with-services $(PY) -m pytest -m integration -q

test-e2e:
	@echo "=== e2e leg (headless Chromium) on $$($(PY) -V) ==="
	$(FAST_ENV) BATON_TEST_DB_TEMPLATE=$(TEST_DB_TEMPLATE) DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m e2e -q


# Not part of `make test`: builds the 1x and 10x datasets in a throwaway PostgreSQL, measures pages, scoring,
# PDFs and load (gunicorn + wrk), prints the targets and writes var/bench/results.json (docs/performance.md).
# BENCH_ARGS=--quick for a smoke run.
BENCH_ARGS ?=
bench: install
	@.ci/system-deps wrk nginx
	$(FAST_ENV) .ci/with-services $(PY) -m tests.bench $(BENCH_ARGS)
