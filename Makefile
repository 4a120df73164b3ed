# Two entry points for a fresh machine (see README): `make demo` and `make test`.
# Each creates .venv and installs what it needs from the pinned requirements.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint bench clean postgres-server browser

# The PostgreSQL tests start a throwaway server from Debian's binaries (tests/pg.py).
# `make test` installs them when missing (as root, with apt-get) and makes the tests
# fail rather than skip without them; `make test MATOME_REQUIRE_POSTGRES=0` skips them.
MATOME_REQUIRE_POSTGRES ?= 1
PG_FOUND = command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

demo: install
	$(BIN)/matome demo

postgres-server:
	@if [ "$(MATOME_REQUIRE_POSTGRES)" = 1 ] && ! { $(PG_FOUND); }; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	  else \
	    echo "make test: PostgreSQL's server is missing: apt-get install postgresql (as root)," \
	      "or make test MATOME_REQUIRE_POSTGRES=0 to skip those tests" >&2; exit 1; \
	  fi; \
	fi

# The review app's browser test drives Debian's Chromium through Playwright (browser
# downloads are impossible here); a Japanese font makes its screenshot readable.
# `make test` installs both when missing; `make test MATOME_REQUIRE_BROWSER=0` skips the test.
MATOME_REQUIRE_BROWSER ?= 1
CHROMIUM_FOUND = test -x /usr/bin/chromium
APT_BROWSER = DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-ipafont-gothic

browser:
	@if [ "$(MATOME_REQUIRE_BROWSER)" = 1 ] && ! { $(CHROMIUM_FOUND); }; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    $(APT_BROWSER) || { apt-get update -q && $(APT_BROWSER); }; \
	  else \
	    echo "make test: Chromium is missing: apt-get install chromium (as root)," \
	      "or make test MATOME_REQUIRE_BROWSER=0 to skip the browser test" >&2; exit 1; \
	  fi; \
	fi

# pytest-xdist: workers take whole test files (module fixtures such as the Ray instance
# start once). One worker more than cores: a fifth of the suite's time is spent waiting
# (real crawl delays, kills, servers starting), which the extra worker fills.
# At most 8: each worker starts its own PostgreSQL and loads torch, and the suite has few
# long files. `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= $(shell n=$$(( $$(nproc) + 1 )); echo $$(( n < 8 ? n : 8 )))

# With PYTHONDONTWRITEBYTECODE set (as on the project's machines) every worker and every CLI
# process a test starts compiled the sources and rewrote the tests' asserts anew: the tests
# write bytecode (into the ignored __pycache__ directories). pip compiled the installed
# packages at install time; a PYTHONPYCACHEPREFIX would hide that bytecode and have a fresh
# clone's first run compile torch, transformers and the rest again in every worker.
test: install postgres-server browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MATOME_REQUIRE_POSTGRES=$(MATOME_REQUIRE_POSTGRES) MATOME_REQUIRE_BROWSER=$(MATOME_REQUIRE_BROWSER) \
	  env -u PYTHONDONTWRITEBYTECODE \
	  $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

bench: install
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/translate.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
