"""The readiness checks every service runs: its database and the broker answer."""

from __future__ import annotations

import asyncpg
from aiokafka import AIOKafkaClient

from lmis_shared.settings import KafkaLogin
from lmis_shared.web.health import ReadinessCheck


def database_check(pool: asyncpg.Pool) -> ReadinessCheck:
    async def check() -> None:
        await pool.fetchval("select 1")

    return check


def broker_check(bootstrap_servers: str, login: KafkaLogin | None = None) -> ReadinessCheck:
    """The broker answers a metadata request (a TCP connect alone would accept a dying broker)."""

    async def check() -> None:
        client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers,
            request_timeout_ms=2500,
            **(login.aiokafka() if login else {}),
        )
        try:
            await client.bootstrap()
        finally:
            await client.close()

    return check
