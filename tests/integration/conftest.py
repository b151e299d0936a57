"""Fixtures of the integration tests beside the session's servers (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from lmis_shared.relay import Relay
from lmis_shared.settings import CommonSettings
from tests.integration.processors import broker_settings, create_topic
from tests.integration.worker_api import Api, running_api


@pytest.fixture
async def api(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Api]:
    """The registry's whole app in a fresh schema, and a client of it (a module about another
    API, such as test_permits_api.py, defines an `api` of its own)."""
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool) as running:
        yield running


@pytest.fixture
async def relays() -> AsyncIterator[list[Relay]]:
    """Relays a test builds, closed at its end even when it fails."""
    built: list[Relay] = []
    yield built
    for relay in built:
        await relay.close()


@pytest.fixture
def common(
    kafka_bootstrap: str, database_url: str, fresh_topic: str, tmp_path: Path
) -> CommonSettings:
    """Settings on the session's servers, with topics (`fresh_topic`) and a data directory of
    the test's own."""
    return broker_settings(kafka_bootstrap, database_url, fresh_topic, tmp_path)


@pytest.fixture
def registry_topic(common: CommonSettings, kafka_bootstrap: str) -> str:
    """The test's registry topic, created with one partition: a record read means every record
    before it was read too."""
    topic = common.topic("registry")
    create_topic(kafka_bootstrap, topic, 1)
    return topic
