# Two commands set everything up on a fresh Debian machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
DEMO ?= demo
HOST ?= 0.0.0.0
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: install install-test serve test bench schema clean

$(VENV)/.base: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(PIP) install -e '.[test]'
	touch $@

install: $(VENV)/.base

install-test: $(VENV)/.test
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; }
	@command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }

# Starts the collector on a demo workspace holding the example forms.
serve: install
	@test -f $(DEMO)/collector.json || $(VENV)/bin/collector init --demo $(DEMO)
	$(VENV)/bin/collector --workspace $(DEMO) serve --host $(HOST) --port $(PORT)

test: install-test
	$(PY) -m pytest -q

bench: install
	@command -v sqlite3 >/dev/null || { echo "Installing Debian's sqlite3, the floor of the export benchmark"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
	$(PY) bench/run.py

# Regenerates forms/schema.json after a change to forms/spec.py.
schema: install
	$(VENV)/bin/collector forms schema > forms/schema.json

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .hypothesis
