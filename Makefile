# Tierdesk: the two commands a new user needs are `make run` and `make test`.
#
#   make run     the product on the embedded default (SQLite + filesystem broker under var/),
#                web + worker + beat, demo organisation loaded; Ctrl-C stops everything.
#                Set DATABASE_URL / CELERY_BROKER_URL to run the same on PostgreSQL / Redis.
#   make test    lint, type check and the whole test suite against PostgreSQL and Redis on 127.0.0.1
#                (started if they are down).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=

export PORT

.DEFAULT_GOAL := help
.PHONY: help install lock run test typecheck messages drill lint format-check bench bench-1m bench-10m migrate seed sweep clean docker-build docker-up docker-down

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install Tierdesk with its development tools

# The stamp is newer than pyproject.toml once the install succeeded, so a second
# `make install` does nothing; editing the dependencies reinstalls.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Tierdesk needs Python 3.11 or newer: try make PYTHON=python3.11 ..." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) \
		|| { echo "Could not create $(VENV) (on Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -c requirements.lock
	@touch $@

lock: ## Pin every installed dependency in requirements.lock (after editing pyproject.toml)
	$(PY) -m pip install --quiet -e '.[dev]'
	@{ echo "# The exact versions the install uses (pip constraints): make install installs pyproject.toml's"; \
	  echo "# ranges pinned to these. Regenerate after changing a dependency with: make lock"; \
	  $(PY) -m pip freeze --exclude-editable; } > requirements.lock

run: install ## Run web + worker + beat on http://127.0.0.1:$PORT with the demo data
	$(PY) scripts/run.py --port $(PORT)

test: install ## Lint, type check, then run the whole test suite on PostgreSQL and Redis
	scripts/ensure-services.sh
	$(PY) -m ruff check .
	$(MAKE) --no-print-directory typecheck
	@# pytest exits 5 when it collected nothing: a suite that silently vanished is a failure.
	@status=0; $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; \
	exit $$status

# After adding or changing a translatable string: extract it into locale/*/django.po (GNU gettext),
# translate the new entries, then compile. The .mo files are committed, so `make run` needs no gettext.
messages: install ## Refresh locale/<hr,hi,ro>/LC_MESSAGES/django.po from the code and compile the .mo files
	$(PY) scripts/messages.py

# The application's packages; strict where pyproject.toml's [tool.mypy] overrides say so.
TYPED := config core outbox departments tickets referrals escalation reports desk
typecheck: install ## mypy with the Django and DRF stubs (strict on core, queries, rules, actions)
	$(PY) -m mypy $(TYPED)

# Not part of `make test`: it takes about 8 minutes and stops and starts its own redis-server
# and refuses connections to its own database (tierdesk_drill). docs/reliability.md.
DRILL_TOOLS := var/drill-tools
drill: install ## Fault drills on real gunicorn/Celery/beat/Redis/PostgreSQL (~8 min), then pip-audit
	@pg_isready -h 127.0.0.1 -q || { echo "make drill: PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
	@command -v redis-server >/dev/null || { echo "make drill: redis-server is missing (apt-get install -y redis-server)" >&2; exit 1; }
	@test -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 || apt-get install -y -qq faketime >/dev/null 2>&1 \
		|| echo "make drill: faketime not installed: the clock drill will be skipped" >&2
	@# pip-audit in its own environment, so it never changes the project's dependencies.
	@test -x $(DRILL_TOOLS)/bin/pip-audit || { $(PYTHON) -m venv $(DRILL_TOOLS) \
		&& $(DRILL_TOOLS)/bin/pip install --quiet pip-audit; } \
		|| echo "make drill: could not install pip-audit (offline?): the audit will be skipped" >&2
	$(PY) scripts/drill/drill.py $(DRILL_ARGS)

lint: install ## ruff check
	$(PY) -m ruff check .

format-check: install ## ruff format --check (advisory: not part of make test)
	$(PY) -m ruff format --check .

# Each benchmark checks its targets and exits non-zero when one is missed (docs/benchmarks.md).
# The databases are built once (a few minutes for a million tickets) and reused.
bench: install ## Benchmarks at 100,000 tickets: sweep, dashboard, every screen (~15 min)
	scripts/ensure-services.sh
	$(PY) -m bench

LOAD_1M := postgres://postgres@127.0.0.1:5432/tierdesk_load_1m
bench-1m: install ## Every screen at 100k and 1M tickets, throughput against 9721ddc, the sweep at 1M (~20 min)
	scripts/ensure-services.sh
	@status=0; \
	$(PY) -m bench.screens --tickets 100000 --tickets 1000000 || status=1; \
	$(PY) -m bench.throughput --database-url $(LOAD_1M) || status=1; \
	$(PY) -m bench.sweep --tickets 1000000 --due-fraction 0.01 || status=1; \
	exit $$status

bench-10m: install ## The sweep's and the dashboard's cost at 1M and 10M tickets (~40 min, 35 GB of disk)
	scripts/ensure-services.sh
	$(PY) -m bench.scaling --tickets 1000000 --tickets 10000000

# No statement timeout: an index built on a big table may take minutes.
migrate: install ## Apply database migrations
	DATABASE_STATEMENT_TIMEOUT_MS=0 $(PY) manage.py migrate --noinput

seed: migrate ## Load the demo organisation (idempotent)
	$(PY) manage.py seed_demo

sweep: install ## Run one escalation sweep now
	$(PY) manage.py escalate_overdue

clean: ## Remove var/ (the embedded database, broker queue and beat schedule)
	rm -rf var/

docker-build: ## Build the production image
	docker compose build

docker-up: ## Start PostgreSQL, Redis, web, worker and beat with docker compose
	docker compose up -d --build

docker-down: ## Stop the docker compose services
	docker compose down
