"""The reporting stream processor: domain events in, indicator counts and facts (PostgreSQL) out.

`main()` is what `lmis process reporting` calls (also `python -m
lmis_reporting.entrypoints.processor`): it reads the settings, sets up logs and traces, makes
sure its tables exist, and runs the faust app until SIGINT or SIGTERM. `build_processor` wires
the app from its parts, so tests run exactly this wiring in their own event loop.

Settings (besides the common `LMIS_*` ones):
    LMIS_REPORTING_SCHEMA_NAME            the service's schema (default `reporting`)
    LMIS_REPORTING_PROCESSOR_ID           faust app id = consumer group (`lmis-reporting`)
    LMIS_REPORTING_PROCESSOR_SOURCES      domains whose topics it reads
                                          (`["registry","permits"]`: topics from
                                          `CommonSettings.topic`, e.g. `lmis.permits.events`)
    LMIS_REPORTING_PROCESSOR_BATCH_SIZE   most events applied in one transaction (500)
"""

from __future__ import annotations

import asyncio
import logging
import signal

import asyncpg
import faust
from opentelemetry import trace
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.settings import ReportingSettings
from lmis_shared.eventstore import create_pool
from lmis_shared.logging import get_logger, setup_logging
from lmis_shared.processing import make_app, projection_agent, serve
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import setup_telemetry

log = get_logger(__name__)


class ProcessorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_REPORTING_PROCESSOR_", extra="ignore")

    id: str = Field("lmis-reporting", description="faust app id, also the consumer group")
    sources: list[str] = Field(
        ["registry", "permits"], description="domains whose event topics it reads"
    )
    batch_size: int = Field(500, ge=1, description="most events applied in one transaction")


def build_processor(
    common: CommonSettings,
    processor: ProcessorSettings,
    pool: asyncpg.Pool,
    schema: str,
    tracer_provider: trace.TracerProvider | None = None,
) -> faust.App:
    """The faust app with one agent per source topic (each at concurrency 1), all feeding the
    one indicator projection, whose lock serialises their transactions."""
    app = make_app(processor.id, common)
    projection = IndicatorProjection(pool, schema)
    for domain in processor.sources:
        projection_agent(
            app,
            common.topic(domain),
            projection,
            batch_size=processor.batch_size,
            tracer_provider=tracer_provider,
        )
    return app


async def run(
    common: CommonSettings,
    processor: ProcessorSettings,
    schema: str,
    stop: asyncio.Event,
) -> None:
    pool = await create_pool(common.database_url)
    try:
        # idempotent, under the migration lock: safe next to `lmis migrate`
        await IndicatorProjection(pool, schema).migrate()
        await serve(build_processor(common, processor, pool, schema), stop)
    finally:
        await pool.close()


def main() -> None:
    common = CommonSettings()
    processor = ProcessorSettings()
    schema = ReportingSettings().schema_name
    setup_logging("reporting-processor", common.log_level)
    # faust logs events' reprs in some errors; a record's value may hold personal data
    logging.getLogger("faust").setLevel(logging.WARNING)
    provider = setup_telemetry("reporting", common)
    try:
        asyncio.run(_until_signalled(common, processor, schema))
    finally:
        provider.shutdown()


async def _until_signalled(
    common: CommonSettings, processor: ProcessorSettings, schema: str
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("processing.starting", app=processor.id, sources=processor.sources, schema=schema)
    await run(common, processor, schema, stop)
    log.info("processing.stopped", app=processor.id)


if __name__ == "__main__":
    main()
