"""`lmis rebuild` puts a service's read models back from its event store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner

from lmis_cli.main import app
from tests.integration.worker_api import running_api, worker

pytestmark = pytest.mark.integration


async def test_rebuilding_the_registry_restores_a_lost_worker_list(
    database_url: str,
    fresh_schema: str,
    pg_pool: asyncpg.Pool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool) as api:
        created = await api.client.post("/v1/workers", json=worker(), headers=api.auth())
        assert created.status_code == 201
    await pg_pool.execute(f'truncate "{fresh_schema}".worker_list')

    monkeypatch.setenv("LMIS_DATABASE_URL", database_url)
    monkeypatch.setenv("LMIS_REGISTRY_SCHEMA_NAME", fresh_schema)
    monkeypatch.setenv("LMIS_DATA_DIR", str(tmp_path))  # the app's: its master key
    result = await asyncio.to_thread(CliRunner().invoke, app, ["rebuild", "registry"])

    assert result.exit_code == 0, result.output
    assert "1 worker files rebuilt" in result.output
    rows = await pg_pool.fetchval(f'select count(*) from "{fresh_schema}".worker_list')
    assert rows == 1
