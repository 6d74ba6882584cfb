# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint soak chromium postgresql clean
BROWSER_JS := tests/browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Editable installs: the package reads the knowledge base and config from this checkout.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/polbot chat

# ruff; the layers as a contract (pyproject.toml, [tool.importlinter]); the type checker.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports
	$(BIN)/mypy

# The browser tests drive Debian's chromium-headless-shell (tests/browser_support.py says
# why not the desktop chromium); install it when missing and we may (root). Without it they
# skip with a message; everything else still runs.
chromium:
	@if [ ! -x /usr/bin/chromium-headless-shell ] && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq \
			&& apt-get install -y -qq --no-install-recommends chromium-headless-shell) \
			|| echo "chromium-headless-shell could not be installed: the browser tests will skip"; \
	fi

# The review store's tests start a real PostgreSQL server (Debian's package) as well as
# SQLite; install it when missing and we may (root). Without it that half skips.
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null \
		&& [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql) \
			|| echo "postgresql could not be installed: its review store tests will skip"; \
	fi

# The Teams cards' browser tests render with Microsoft's Adaptive Cards library, an npm
# package pinned in tests/browser/package-lock.json: installed by `npm ci` when missing or
# older than the lock file (npm writes node_modules/.package-lock.json on every install).
$(BROWSER_JS)/node_modules/.package-lock.json: $(BROWSER_JS)/package.json $(BROWSER_JS)/package-lock.json
	cd $(BROWSER_JS) && npm ci --no-audit --no-fund --loglevel=error

# Two workers for everything but the soak test, which measures latency and so runs alone
# (its own file: collecting the whole suite again would cost a few seconds for one test).
# A file's tests stay on one worker, so that a module's browser or server starts once.
test: lint chromium postgresql $(BROWSER_JS)/node_modules/.package-lock.json
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not soak"
	$(BIN)/python -m pytest -m soak tests/test_server_soak.py

# The soak test at its full length (issue 12: 60 s); `make test` runs it for 15 s.
soak: $(VENV)/.installed-dev
	POLBOT_SOAK_SECONDS=60 $(BIN)/python -m pytest -s -k soak tests/test_server_soak.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build src/*.egg-info $(BROWSER_JS)/node_modules
