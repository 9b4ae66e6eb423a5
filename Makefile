# Muqing: `make run` starts the embedded demo, `make test` runs the whole suite.
# Both need only Python 3.11+ and make; `make install` creates .venv with the locked dependencies.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .cache/tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint typecheck services services-stop bench clean vendor

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --quiet
	@touch $@

install: $(VENV)/.installed  ## Create .venv with every dependency (so .venv/bin/muqing works)

run: install  ## Migrate, seed the demo and start everything on http://127.0.0.1:$${MUQING_PORT:-8000}
	$(VENV)/bin/muqing up --demo

test: install lint  ## Lint, then the whole suite (services it needs are skipped unless MUQING_REQUIRE_SERVICES=1)
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

services:  ## Install and start PostgreSQL, Redis, Elasticsearch and Chromium on loopback; prints exports
	@scripts/services.sh start

services-stop:
	@scripts/services.sh stop

vendor:  ## Rebuild the browser bundle in web/static/vendor from npm (needs Node.js; the output is committed)
	web/assets/vendor.sh

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
