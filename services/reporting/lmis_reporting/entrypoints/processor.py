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
from functools import partial

import asyncpg
import faust
from opentelemetry import trace

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.settings import ReportingSettings
from lmis_shared.processing import make_app, projection_agent, run_processor, serve
from lmis_shared.settings import CommonSettings


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
            metrics_interval=common.metrics_interval,
        )
    return app


async def run(
    common: CommonSettings,
    settings: ReportingSettings,
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    tracer_provider: trace.TracerProvider | None = None,
) -> None:
    # idempotent, under the migration lock: safe next to `lmis migrate`
    await IndicatorProjection(pool, settings.schema_name).migrate()
    await serve(build_processor(common, settings, pool, tracer_provider), stop)


def main() -> None:
    common = CommonSettings()
    settings = ReportingSettings()
    run_processor(
        "reporting",
        common,
        settings.processor_id,
        partial(run, common, settings),
        sources=settings.processor_sources,
        schema=settings.schema_name,
    )


if __name__ == "__main__":
    main()
