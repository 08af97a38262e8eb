# Common Ground — `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

.PHONY: run test bench translations install install-test lint clean

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

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/pybabel compile -q -d translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo
	$(BIN)/python app.py

test: install-test
	$(BIN)/pybabel compile -q -d translations
	$(BIN)/python -m pytest

bench: install-test
	$(BIN)/python -m benchmarks

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Extract every UI string, merge it into the five catalogs, compile.
translations: install
	$(BIN)/pybabel extract -q -F babel.cfg -k _l -k lazy_gettext -c i18n: -o translations/messages.pot .
	$(BIN)/pybabel update -q -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/pybabel compile -q -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
