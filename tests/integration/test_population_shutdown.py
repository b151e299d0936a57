"""The registry's connection to the national population exchange lives as long as the service:
its HTTP client is closed when the service's lifespan ends (no socket left open at shutdown)."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from lmis_registry.adapters.population_national import NationalPopulationRegister
from tests.integration.worker_api import running_api

pytestmark = pytest.mark.integration

NATIONAL = {
    "population_register": "national",
    "population_register_url": "https://population.exchange.invalid",
    "population_register_client_id": "lmis-registry",
    "population_register_secret": "not-a-real-secret",
}


async def test_the_national_exchange_s_client_is_closed_at_shutdown(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool, **NATIONAL) as api:
        register = api.app.state.registry.population
        assert isinstance(register, NationalPopulationRegister)
        assert not register.is_closed  # open while the service runs
    assert register.is_closed
