# Two commands matter: `make run` (embedded default) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Login redirects and the dev identity provider's URLs must name the port we serve on.
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
export PUBLIC_BASE_URL
STAMP := $(VENV)/.installed
# The whole dependency tree, pinned with hashes (uv pip compile; refresh with `make lock`).
# pyproject.toml keeps the ranges; these files say what is installed. The app lock (the
# Docker image) is the dev lock less the dev and test extras, at the same versions.
LOCK := requirements-dev.lock
APP_LOCK := requirements.lock
# Build requirements come from pyproject.toml, so the editable install needs no unpinned
# download either (--no-build-isolation uses the locked setuptools).
BUILD_REQUIRES = $(BIN)/python -c "import tomllib; \
	print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')"
LOCK_OPTIONS := --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock"

.PHONY: run test lint migrate seed translations clean lock browser-deps prism-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-resolve both locks from pyproject.toml, keeping every pin that still fits its range;
# `make lock UPGRADE=1` moves every pin to the newest release instead.
lock: $(STAMP)
	$(BUILD_REQUIRES) | $(BIN)/uv pip compile pyproject.toml - --all-extras $(LOCK_OPTIONS) \
		$(if $(UPGRADE),--upgrade) -o $(LOCK)
	$(BUILD_REQUIRES) | $(BIN)/uv pip compile pyproject.toml - --constraint $(LOCK) \
		$(LOCK_OPTIONS) -o $(APP_LOCK)

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d citizen/translations

migrate: $(STAMP)
	mkdir -p instance
	$(BIN)/flask --app wsgi db upgrade

seed: migrate
	$(BIN)/flask --app wsgi demo seed

run: translations seed
	@echo "Min helse on http://127.0.0.1:$(PORT)  (web + worker + beat; Ctrl-C stops all)"
	rm -rf instance/prometheus && mkdir -p instance/prometheus
	PATH="$(CURDIR)/$(BIN):$$PATH" PROMETHEUS_MULTIPROC_DIR="$(CURDIR)/instance/prometheus" \
		$(BIN)/honcho start --port $(PORT) --procfile Procfile

# The browser suite (tests/browser) needs Debian's chromium (`apt-get install -y chromium`)
# and axe-core from npm, pinned in tests/browser/package-lock.json. Without them it skips
# with the reason; on CI (.ci/run installs both) it fails instead.
AXE := tests/browser/node_modules/axe-core/axe.min.js

$(AXE): tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the browser suite will be skipped"; fi

browser-deps: $(AXE)

# Prism serves Twilio's OpenAPI contract (tests/standins/prism/contract/) to the SMS transport's
# tests; pinned in tests/standins/prism/package-lock.json, skipped (failed on CI) without.
PRISM := tests/standins/prism/node_modules/.bin/prism

$(PRISM): tests/standins/prism/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/standins/prism --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the Twilio contract tests will be skipped"; fi

prism-deps: $(PRISM)

test: translations browser-deps prism-deps
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/*.sqlite* instance/broker* instance/celerybeat-schedule* \
		instance/screenshots tests/browser/node_modules \
		tests/standins/prism/node_modules

# Mutation testing of the rules modules: [tool.mutmut] in pyproject.toml says which, and
# docs/mutation-testing.md records the score. On SQLite the forked test runs share one
# database file, so one at a time; with DATABASE_URL on PostgreSQL try MUTANT_CHILDREN=2.
MUTANT_CHILDREN ?= 1
.PHONY: mutants
mutants: translations
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTANT_CHILDREN)
	$(BIN)/mutmut results
	@$(BIN)/mutmut results --all true | awk -F'[: ]+' '{ \
		module = substr($$2, 1, index($$2, ".x") - 1); total[module]++; \
		if ($$3 == "killed" || $$3 == "timeout") killed[module]++ } \
		END { for (m in total) printf "%-36s %4d of %4d killed  %5.1f %%\n", \
			m, killed[m], total[m], 100 * killed[m] / total[m] }' | sort
