# vasops — two commands: `make run` (demo on http://127.0.0.1:8000, SQLite) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/vasops
export PYTHONPATH := src

.PHONY: install run demo-reset test test-fast lint format messages bench-console bench-vac bench-crm bench-settlement gateway worker clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	DEBUG=1 VASOPS_DEMO_SHOW_OTP=1 $(PY) manage.py migrate --noinput
	DEBUG=1 VASOPS_DEMO_SHOW_OTP=1 $(PY) manage.py seed_demo
	DEBUG=1 VASOPS_DEMO_SHOW_OTP=1 $(PY) manage.py runserver 127.0.0.1:8000

demo-reset:
	rm -f var/vasops.sqlite3
	rm -rf var/media

lint: install
	$(BIN)/ruff check src e2e bench
	$(BIN)/ruff format --check src e2e bench
	DEBUG=1 $(BIN)/mypy src
	$(BIN)/lint-imports
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix src e2e bench
	$(BIN)/ruff format src e2e bench

# English mode: mark new Chinese page text, refresh the catalogue, fill it from tools/i18n_en.tsv
# (`tools/i18n_fill.py --check` lists msgids still without English) and compile it.
messages: install
	$(PY) tools/i18n_templates.py
	$(PY) tools/i18n_python.py
	$(PY) tools/i18n_errors.py
	cd src/vasops && DEBUG=1 ../../$(PY) ../../manage.py makemessages -l en --no-obsolete -i "management/*"
	$(PY) tools/i18n_fill.py

test: lint
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q -p no:randomly

test-fast: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q -m "not browser" -x

bench-console: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/console.py $(BENCH_ARGS)

bench-vac: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/vac.py $(BENCH_ARGS)

bench-crm: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/crm.py $(BENCH_ARGS)

bench-settlement: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/settlement.py $(BENCH_ARGS)

# The background worker: every periodic sweep at its own interval (idempotent).
worker: install
	$(PY) manage.py run_sweeps

# The VAC hot path as its own ASGI service (JSON over HTTP on 8100, binary CheckPrice on 9999).
gateway: install
	$(PY) -m vasops.vac.gateway --workers 2 --port 8100 --tcp-port 9999

clean:
	rm -rf $(VENV) var
