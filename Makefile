# Two commands for a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := wsgi.py

PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.PHONY: run test setup setup-test assets translations migrate seed messages clean

## run: install everything, migrate, seed the demo contest and serve on http://127.0.0.1:$${PORT:-8000}
run: setup migrate
	@$(FLASK) roadshow seed-demo
	@echo "Serving Roadshow on http://127.0.0.1:$${PORT:-8000}  (Ctrl-C to stop)"
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

## test: the same setup, then the whole suite on SQLite, then on PostgreSQL + Redis
test: setup-test
	$(PY) -m pytest $(PYTEST_ARGS)
	@if $(PY) scripts/check_services.py "$(PG_TEST_URL)" "$(REDIS_TEST_URL)"; then \
	  echo "== again on PostgreSQL + Redis =="; \
	  DATABASE_URL="$(PG_TEST_URL)" REDIS_URL="$(REDIS_TEST_URL)" $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL or Redis does not answer, and CI=true: failing." >&2; exit 1; \
	else \
	  echo "!! PostgreSQL or Redis does not answer: the second pass was NOT run." >&2; \
	fi

setup: $(VENV)/.installed assets translations
setup-test: $(VENV)/.installed-dev assets translations

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

assets: static/vendor/.copied
static/vendor/.copied: package.json package-lock.json scripts/copy-vendor.mjs
	npm ci --omit=optional --no-audit --no-fund --loglevel=error
	npm run --silent vendor
	touch $@

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -d roadshow/translations > /dev/null

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

## messages: re-extract the strings to translate and update both catalogues (for developers)
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o roadshow/translations/messages.pot .
	$(VENV)/bin/pybabel update -i roadshow/translations/messages.pot -d roadshow/translations --no-fuzzy-matching --ignore-obsolete
	$(PY) scripts/fill_en_catalogue.py

clean:
	rm -rf $(VENV) node_modules static/vendor
