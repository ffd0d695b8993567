# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TOOLS := $(VENV)/.tools
# `make run` is for development: DEBUG on unless the environment says otherwise.
RUN_DEBUG ?= 1
# `make run PORT=8001` serves on another port; SITE_URL follows unless it is set.
PORT ?= 8000

.PHONY: install tools run test test-fast migrate static lint typecheck check messages redis-stop bench soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(INSTALLED)

# Tests, lint, type checks and the bench's tools, in a file of their own.
$(TOOLS): .ci/requirements-tools.txt $(INSTALLED)
	$(BIN)/python -m pip install --quiet -r .ci/requirements-tools.txt
	touch $@

# axe-core (npm) for the accessibility checks of the account page; var/ is ignored by git.
AXE := var/axe/node_modules/axe-core/axe.min.js

$(AXE):
	@if command -v npm >/dev/null; then npm install --no-save --no-audit --no-fund --prefix var/axe axe-core; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

tools: $(TOOLS) $(AXE)

static: install
	DEBUG=1 $(BIN)/python manage.py collectstatic --noinput --verbosity 0

migrate: install
	DEBUG=$${DEBUG:-$(RUN_DEBUG)} $(BIN)/python manage.py migrate --noinput

# Static files, migrations, demo users and runserver, in one process that Ctrl-C stops with the
# embedded Redis it started (config/devserver.py).
run: install
	DEBUG=$${DEBUG:-$(RUN_DEBUG)} $(BIN)/python -m config.devserver $(PORT)

test: static tools
	$(BIN)/python -m pytest

# Everything but tokens/tests/live/ (servers, browsers, private Redis servers, clusters).
test-fast: static tools
	$(BIN)/python -m pytest --ignore=tokens/tests/live

lint: tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: tools
	DEBUG=1 $(BIN)/python -m mypy

check: install
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# The message catalogues (tokens/locale with the scripts' djangojs, accounts/locale, templates/locale)
# brought up to date with the sources and compiled; translate what comes out empty, then run it
# again (docs/configuration.md, "Languages").
messages: install
	DEBUG=1 DJANGO_SETTINGS_MODULE=config.settings $(BIN)/python -m tokens.tests.i18n.catalogues

redis-stop: install
	$(BIN)/python -c "from config import embedded_redis; embedded_redis.stop('var')"

# Benchmarks against a stock simplejwt project and two peers (bench/README.md); BENCH_QUICK=1 for
# a short run, BENCH_ARGS for more of bench.run's options (--no-allauth, --throughput-only, ...).
bench: tools
	$(BIN)/python -m bench.run $(if $(BENCH_QUICK),--quick) $(BENCH_ARGS)

soak: tools
	$(BIN)/python -m bench.run --soak

clean: redis-stop
	rm -rf $(VENV) var staticfiles db.sqlite3 db.sqlite3-*
