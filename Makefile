# The two commands a newcomer needs: `make run` and `make test`. Nothing else must be installed
# beyond Python 3.11+ and Node 20+: PostgreSQL and Redis are embedded when DATABASE_URL and
# REDIS_URL are not set.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run sso-demo test test-fast test-faults bench lint format migrations shell stop clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

## run: the site at http://127.0.0.1:$(PORT) with a Celery worker and beat; Ctrl-C stops it all
run: install
	$(PY) -m tooling.devservers serve --port $(PORT)

## sso-demo: a local OpenID Connect provider with a demo organisation on port 9400; it prints the
## SSO_PROVIDERS value to start `make run` with, to try "Sign in with your organisation's account"
sso-demo: install
	$(PY) -m tooling.sso_demo

## test: the whole suite, browser tests included, on PostgreSQL and Redis
test: install
	$(PY) -m tooling.devservers run --redis-db 1 -- $(PY) -m pytest $(PYTEST_ARGS)

## test-fast: the suite without the slow newcomer-path test
test-fast: PYTEST_ARGS = -m "not slow"
test-fast: test

## test-faults: outages on purpose (Redis stopped, a worker killed mid-bulletin, PostgreSQL
## restarted), each test on servers of its own; not part of `make test`; a minute or two
test-faults: install
	$(PY) -m tooling.devservers run --redis-db 1 -- $(PY) -m pytest tests/faults $(PYTEST_ARGS)

## bench: speed at national scale (a generated 20,000-member network in its own database);
## about a quarter of an hour; the table goes to docs/benchmarks.md
bench: install
	$(PY) -m tooling.devservers run --redis-db 5 -- $(PY) -m tooling.bench $(BENCH_ARGS)

## lint: ruff, and the import rules of docs/architecture.md (import-linter)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations: install
	$(PY) -m tooling.devservers run -- $(PY) manage.py makemigrations

shell: install
	$(PY) -m tooling.devservers run -- $(PY) manage.py shell

## stop: stop embedded servers that one-off commands left running
stop:
	$(PY) -m tooling.devservers stop

clean: stop
	rm -rf .data staticfiles
