# Common Ground — `make run` serves the demo, `make test` runs every test.
#
#   make run            install into .venv, migrate, seed the demo on an empty database, serve
#   make test           install what the tests need and run them all
#   make bench          measure start-up and page rendering, write BENCHMARKS.md
#   make translations   extract the UI strings, merge them into the catalogs, compile
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

#: The five translated UI languages (English is the source language).
LOCALES := fr es ru zh ar
POT := $(VENV)/messages.pot
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_pgettext:1c,2

.PHONY: run test bench translations catalogs install install-test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs the package (editable) with the pinned versions of constraints.txt.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt -e '.[test,server]'
	touch $@

install: $(VENV)/.installed

# axe-core (package.json, devDependencies) for the accessibility tests; without npm they skip.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error \
		|| echo "npm ci failed: the accessibility tests will be skipped" >&2; \
	else echo "npm is not installed: the accessibility tests will be skipped" >&2; fi

install-test: $(VENV)/.installed-test node_modules/.package-lock.json

# Compiled catalogs (.mo) are build products, never committed: made here and at app start.
catalogs: install
	$(BIN)/pybabel -q compile -d translations

run: catalogs
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo --if-empty
	$(BIN)/python app.py

# -ra (pyproject) lists every skipped test with its reason: PostgreSQL, Redis, Chromium.
test: install-test catalogs
	$(BIN)/python -m pytest

bench: install-test catalogs
	$(BIN)/python -m benchmarks

# ruff, then the import contract of pyproject.toml (layers; no capability uses another's
# actions, pages, API or socket handlers).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Safe to re-run at any time: new strings are added (untranslated), existing translations are
# kept, strings no longer in the code are kept as obsolete (#~) entries; no fuzzy guesses.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg $(BABEL_KEYWORDS) -c i18n: --sort-by-file \
		--project="Common Ground" --copyright-holder="Common Ground contributors" -o $(POT) .
	@for locale in $(LOCALES); do \
		test -f translations/$$locale/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel -q init -i $(POT) -d translations -l $$locale || exit 1; \
	done
	$(BIN)/pybabel -q update -i $(POT) -d translations --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
