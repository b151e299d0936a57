# Two commands do all the set-up: `make up` runs the platform, `make test` runs the tests.
# Everything installs into ./.venv from the lock (uv.lock); nothing is installed system-wide.
PYTHON ?= python3.11
VENV := .venv
UV_VERSION := 0.13.8
STAMP := $(VENV)/.synced

.PHONY: up test lint typecheck unit bench clean install

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

test: $(STAMP) lint typecheck
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	$(VENV)/bin/python bench/event_store.py

clean:
	rm -rf $(VENV) .lmis .pytest_cache .mypy_cache .ruff_cache
