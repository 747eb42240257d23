# Two commands matter: `make run` (embedded default) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Login redirects and the dev identity provider's URLs must name the port we serve on.
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
export PUBLIC_BASE_URL
STAMP := $(VENV)/.installed

.PHONY: run test lint migrate seed translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,test]"
	touch $(STAMP)

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

test: translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/*.sqlite* instance/broker* instance/celerybeat-schedule*

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
