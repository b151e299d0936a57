"""Session-wide real servers: one embedded PostgreSQL and one embedded broker per test run.

Tests above unit level share these servers and keep out of each other's way with unique
names: a schema per test (`fresh_schema`), a topic per test (`fresh_topic`).
"""

from __future__ import annotations

import gc
import os
import secrets
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from lmis_cli.embedded import EmbeddedBroker, EmbeddedPostgres, free_port


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lmis")


@pytest.fixture(scope="session")
def postgres(run_dir: Path) -> Iterator[EmbeddedPostgres]:
    """The real PostgreSQL; `LMIS_TEST_DATABASE_URL` points the suite at an external one."""
    server = EmbeddedPostgres(run_dir / "postgres", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_url(postgres: EmbeddedPostgres) -> str:
    return os.environ.get("LMIS_TEST_DATABASE_URL", postgres.dsn)


@pytest.fixture(scope="session")
def broker(run_dir: Path) -> Iterator[EmbeddedBroker]:
    server = EmbeddedBroker(free_port(), run_dir / "broker.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(broker: EmbeddedBroker) -> str:
    return broker.bootstrap


def unique(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


@pytest.fixture
def fresh_schema() -> str:
    """A schema name no other test uses (the caller creates what it needs in it)."""
    return unique("t")


@pytest.fixture
def fresh_topic() -> str:
    return unique("topic").replace("_", "-")


@pytest.fixture
async def pg_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=10)
    assert pool is not None
    yield pool
    await pool.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """When a module's last test is torn down, collect its garbage and name the module if a
    socket or connection was left open, as a warning in the summary. Run after the logging
    plugin has let go of the module's log records (their exceptions' tracebacks keep clients
    alive). Not a failure: a broker restart under load (`test_restarts_under_load.py`) leaves
    aiokafka connections of an event loop already closed, which can outlive the module and
    only reach the collector in a later one (seen in full runs, never alone)."""
    result = yield
    if nextitem is not None and nextitem.parent is item.parent:
        return result
    left = _collected_unraisables()
    if left:
        message = f"{item.nodeid.split('::')[0]} left {', '.join(left)} to the garbage collector"
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.warn(message, pytest.PytestWarning, stacklevel=1)
    return result


def _collected_unraisables() -> list[str]:
    """What a full collection finds to complain about (unclosed sockets, transports, clients)."""
    left: list[Any] = []
    hook = sys.unraisablehook
    sys.unraisablehook = left.append
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook
    return [repr(unraisable.object) for unraisable in left]
