# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
# PostgreSQL on this kind of machine; the suite runs on it as well as on SQLite.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: install run serve test test-sqlite test-e2e test-faults test-time-travel lint migrate seed clean-db bench bench-run bench-morning bench-compare

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Demo mode: migrate, seed the demo district once, serve on 127.0.0.1:$(PORT).
run: install
	PORTAL_CONFIG=demo $(BIN)/flask --app app db upgrade
	PORTAL_CONFIG=demo $(BIN)/flask --app app seed-demo
	PORTAL_CONFIG=demo $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

# Production-style server (needs SECRET_KEY and usually DATABASE_URL).
serve: install
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 3 --timeout 60 app:app

# The import contracts first (pyproject.toml, [tool.importlinter]): a new circle or an
# import that climbs a layer fails in a second, before the suite runs.
# One test process per core (pytest-xdist): each test has its own database copy and
# the browser journeys their own server on a free port, so the processes share nothing.
# worksteal: the browser journeys (collected first) no longer all land on one process
# while the other sits idle at the end.
TEST_WORKERS ?= 2
test: install
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "not faults"

# Races, kill -9 of a live gunicorn, backup/restore and migration round trips on
# both databases: a few minutes, so apart from `make test` (.ci/run runs both).
test-faults: install
	$(BIN)/pytest -m faults tests/faults

# The date-sensitive part of the suite on SQLite with the whole process's clock moved by
# Debian's faketime (apt-get install faketime) to the instants that catch a calendar out
# (UTC; Qingshan is UTC+8): the last minute of a month, 23:50 on New Year's Eve, 09:00 on
# the first working Monday of a year chinese-calendar does not cover, a 调休 Saturday and
# 29 February 2028. tests/test_make_run.py then drives `make run`'s steps at that clock.
TIME_TRAVEL_INSTANTS = "2026-11-30 15:59:00" "2026-12-31 15:50:00" "2027-01-04 01:00:00" \
                       "2026-10-10 01:00:00" "2028-02-29 02:00:00"
# Every test app's clock is pinned (tests/conftest.py), so this pass is about what could
# still see the process clock: make run's steps, cookies and login-session expiry, the calendar
# and leave rules around the instant; kept small so that .ci/run stays under 45 minutes.
DATE_SENSITIVE = tests/test_calendar_edges.py tests/test_make_run.py tests/test_clock.py tests/test_auth.py \
                 tests/test_workdays.py tests/test_leave.py tests/test_attendance_records.py \
                 tests/test_closed_month.py
test-time-travel: install
	@command -v faketime >/dev/null || { echo "faketime not found (apt-get install faketime)"; exit 1; }
	@for instant in $(TIME_TRAVEL_INSTANTS); do \
	  echo "== the process clock at $$instant UTC"; \
	  TEST_DATABASE_URL= PORTAL_TEST_PROCESS_CLOCK=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    faketime "$$instant" $(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal \
	    -m "not e2e and not faults and not fuzz" \
	    $(DATE_SENSITIVE) || exit 1; \
	done

test-sqlite: install
	$(BIN)/lint-imports
	TEST_DATABASE_URL= $(BIN)/pytest -m "not e2e and not faults"

test-e2e: install
	$(BIN)/pytest tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean-db:
	rm -f instance/portal.db instance/portal.db-wal instance/portal.db-shm

# Benchmark (README, "Benchmark"): a district with YEARS of history in its own database
# (SQLite under instance/bench/, or BENCH_DB=postgresql://…), its past days closed
# (close-days, once the portal has it), the EXPLAIN check of the hot queries, then
# gunicorn on 127.0.0.1: the routes' table (the four targets under a write stream),
# the district morning (aiohttp: desks, hall screens, 300 phones, 签到 at 08:30) and
# the 1-year/5-year comparison of the runs kept in bench/results/. Each load run writes
# to a copy of the generated database. BENCH_FRESH=1 regenerates the data.
YEARS ?= 1
BENCH_DB ?= sqlite:///$(CURDIR)/instance/bench/bench-$(YEARS)y.db
bench: install
	@command -v wrk >/dev/null || echo "wrk not found (apt-get install wrk): using the slower Python load generator"
	BENCH_DATABASE_URL=$(BENCH_DB) $(BIN)/python -m bench.generate --years $(YEARS) $(if $(BENCH_FRESH),,--reuse)
	BENCH_DATABASE_URL=$(BENCH_DB) $(BIN)/python -m bench.explain
	BENCH_DATABASE_URL=$(BENCH_DB) $(BIN)/python -m bench.run
	BENCH_DATABASE_URL=$(BENCH_DB) $(BIN)/python -m bench.morning
	$(BIN)/python -m bench.compare

bench-run: install
	BENCH_DATABASE_URL=$(BENCH_DB) $(BIN)/python -m bench.run

# Only the district morning (60 s; BENCH_MORNING_SECONDS to shorten while developing).
bench-morning: install
	BENCH_DATABASE_URL=$(BENCH_DB) $(BIN)/python -m bench.morning

bench-compare:
	$(BIN)/python -m bench.compare

# A longer fuzz hunt than `make test` runs (tests/fuzz; FUZZ_EXAMPLES per form and database).
.PHONY: fuzz
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/pytest -m fuzz tests/fuzz
