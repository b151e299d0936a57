# Two commands do all the set-up: `make up` runs the platform, `make test` runs the tests.
# Everything installs into ./.venv from the lock (uv.lock); nothing is installed system-wide.
PYTHON ?= python3.11
VENV := .venv
UV_VERSION := 0.13.8
STAMP := $(VENV)/.synced

.PHONY: up test lint typecheck unit bench load clean install chromium

install: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@# --inexact keeps uv itself, which lives in the same venv but not in the lock
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(VENV)/bin/uv sync --frozen --inexact --quiet
	@touch $(STAMP)

up: $(STAMP)
	$(VENV)/bin/lmis up

lint: $(STAMP)
	$(VENV)/bin/ruff check shared cli services tests bench
	$(VENV)/bin/ruff format --check shared cli services tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(VENV)/bin/mypy shared cli services

test: $(STAMP) lint typecheck chromium
	$(VENV)/bin/pytest -q

# The dashboard's browser tests drive Debian's chromium (Playwright's own browser download
# cannot reach the internet). Installed here when missing, as root or through sudo; when it
# cannot be, this step says so and the browser tests FAIL with the reason (they never skip).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; \
	  else echo "chromium is missing and cannot be installed here (not root, no sudo):" \
	       "the browser tests (tests/browser) will fail"; exit 0; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } || \
	  echo "chromium could not be installed: the browser tests (tests/browser) will fail"; }

bench: $(STAMP)
	$(VENV)/bin/python bench/event_store.py

# A realistic mix at 2, 8 and 32 clients against `lmis up` (started on free ports, stopped
# after); figures and the indicators' exactness in bench/results/load.json (bench/load.py).
load: $(STAMP)
	$(VENV)/bin/python bench/load.py

clean:
	rm -rf $(VENV) .lmis .pytest_cache .mypy_cache .ruff_cache
