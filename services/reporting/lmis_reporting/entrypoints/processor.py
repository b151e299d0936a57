"""The reporting stream processor: domain events in, indicator counts and facts (PostgreSQL) out.

`main()` is what `lmis process reporting` calls (also `python -m
lmis_reporting.entrypoints.processor`): it reads the settings (`ReportingSettings`: the
processor's id, sources and batch size), sets up logs and traces, makes sure its tables
exist, and runs the faust app until SIGINT or SIGTERM. `build_processor` wires the app from
its parts, so tests run exactly this wiring in their own event loop. The agents only hand
records to the projection, whose `apply` is the counting use case (`application/counting.py`).
"""

from __future__ import annotations

import asyncio
import logging
import signal

import asyncpg
import faust
from opentelemetry import trace

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.settings import ReportingSettings
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.logging import get_logger, setup_logging
from lmis_shared.processing import make_app, projection_agent, serve
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import setup_telemetry

log = get_logger(__name__)


def build_processor(
    common: CommonSettings,
    settings: ReportingSettings,
    pool: asyncpg.Pool,
    tracer_provider: trace.TracerProvider | None = None,
) -> faust.App:
    """The faust app with one agent per source topic (each at concurrency 1), all feeding the
    one indicator projection, whose lock serialises their transactions."""
    app = make_app(settings.processor_id, common)
    projection = IndicatorProjection(pool, settings.schema_name)
    for domain in settings.processor_sources:
        projection_agent(
            app,
            common.topic(domain),
            projection,
            batch_size=settings.processor_batch_size,
            tracer_provider=tracer_provider,
        )
    return app


async def run(common: CommonSettings, settings: ReportingSettings, stop: asyncio.Event) -> None:
    pool = await create_pool(common.database_url)
    try:
        # idempotent, under the migration lock: safe next to `lmis migrate`
        await IndicatorProjection(pool, settings.schema_name).migrate()
        await serve(build_processor(common, settings, pool), stop)
    finally:
        await pool.close()


def main() -> None:
    common = CommonSettings()
    settings = ReportingSettings()
    setup_logging("reporting-processor", common.log_level)
    # faust logs events' reprs in some errors; a record's value may hold personal data
    logging.getLogger("faust").setLevel(logging.WARNING)
    provider = setup_telemetry("reporting", common)
    try:
        asyncio.run(_until_signalled(common, settings))
    finally:
        provider.shutdown()


async def _until_signalled(common: CommonSettings, settings: ReportingSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info(
        "processing.starting",
        app=settings.processor_id,
        sources=settings.processor_sources,
        schema=settings.schema_name,
    )
    await run(common, settings, stop)
    log.info("processing.stopped", app=settings.processor_id)


if __name__ == "__main__":
    main()
