"""The notify stream processor: deadlines from events, alerts from deadlines.

`main()` is what `lmis process notify` calls (also `python -m lmis_notify.entrypoints.processor`):
it reads the settings, sets up logs and traces, makes sure its tables exist, stores the report
obligations of the settings, and runs the faust app until SIGINT or SIGTERM. The app has
  * one agent per source topic (`lmis.registry.events`, `lmis.permits.events`,
    `lmis.notify.events` for report submissions) feeding the deadline projection, at
    concurrency 1, state and positions in PostgreSQL;
  * a second agent on the registry and permits topics feeding the agency feeds' outbox
    (`adapters/feed_projection.py`), the feed relay publishing it to `lmis.agency.*`, and the
    webhook delivery loop (`application/delivery.py`) posting it to agencies' callbacks;
  * a timer every `LMIS_NOTIFY_SWEEP_INTERVAL_SECONDS` that runs the sweeper. faust's timers
    only drive the sweep: what falls due is decided by the stored deadlines and the `Clock`
    (fixed on `LMIS_NOTIFY_AS_OF` for a demo), never by a window closing.
`build_processor` wires the app from its parts, so tests run exactly this wiring in their own
event loop, with a clock of their own.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial

import asyncpg
import faust
from opentelemetry import trace
from opentelemetry.context import Context

from lmis_notify.adapters.feed_projection import feed_sources
from lmis_notify.adapters.feed_relay import build_feed_relay
from lmis_notify.adapters.webhook_sender import HttpxSender
from lmis_notify.application.delivery import deliver_until
from lmis_notify.application.sweeper import Sweeper
from lmis_notify.bootstrap import bootstrap, delivery, migrate, with_key_grant
from lmis_notify.settings import NotifySettings
from lmis_shared.background import in_background
from lmis_shared.clock import Clock
from lmis_shared.logging import get_logger
from lmis_shared.metrics import meter
from lmis_shared.processing import make_app, projection_agent, run_processor, serve
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import current_traceparent

log = get_logger(__name__)

# What operators watch (Prometheus: lmis_sweep_duration_seconds, lmis_alerts_open{rule})
SWEEP_DURATION = meter(__name__).create_histogram(
    "lmis.sweep.duration",
    unit="s",
    description="how long one sweep of the deadlines took",
    explicit_bucket_boundaries_advisory=[0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
)
ALERTS_OPEN = meter(__name__).create_gauge(
    "lmis.alerts.open", unit="{alert}", description="alerts not resolved, per rule"
)


def build_processor(
    common: CommonSettings,
    settings: NotifySettings,
    pool: asyncpg.Pool,
    clock: Clock,
    tracer_provider: trace.TracerProvider | None = None,
) -> tuple[faust.App, Sweeper]:
    """The faust app (agents + sweep timer) and the sweeper its timer runs."""
    app = make_app(settings.processor_id, common)
    # the feeds' key grant: refused here, at start, without the producers' master keys
    notify = with_key_grant(bootstrap(pool, settings, common, clock=clock), pool, settings, common)
    # the deadlines read every source (notify's report submissions too); the agency feeds
    # the services' topics, with a second agent on each
    feeding = [
        (notify.deadlines, settings.sources),
        (notify.feed_projection, feed_sources(settings.sources)),
    ]
    for projection, domains in feeding:
        for domain in domains:
            projection_agent(
                app,
                common.topic(domain),
                projection,
                batch_size=settings.batch_size,
                tracer_provider=tracer_provider,
                metrics_interval=common.metrics_interval,
            )
    sweeps = notify.sweeper
    tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)

    async def sweep() -> None:
        # a failed sweep (the database away) is retried at the next tick: deadlines wait
        # a root span: a sweep is caused by time, not by whatever ran before in this task
        with tracer.start_as_current_span("notify sweep", context=Context()) as span:
            started = time.perf_counter()
            try:
                raised = await sweeps.sweep(current_traceparent())
                open_alerts = await notify.alerts.open_by_rule()
            except Exception as exc:
                log.error("notify.sweep_failed", error=type(exc).__name__)
                span.set_status(trace.Status(trace.StatusCode.ERROR, type(exc).__name__))
                return
            SWEEP_DURATION.record(time.perf_counter() - started)
            for rule, count in open_alerts.items():
                ALERTS_OPEN.set(count, {"rule": rule.value})
            span.set_attribute("lmis.alerts_raised", raised)
            if raised:
                log.info("notify.alerts_raised", count=raised)

    app.timer(settings.sweep_interval_seconds, name="notify.sweep")(sweep)
    return app, sweeps


async def run(
    common: CommonSettings,
    settings: NotifySettings,
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    tracer_provider: trace.TracerProvider | None = None,
) -> None:
    # idempotent, under the migration lock: safe next to `lmis migrate`
    await migrate(pool, settings.schema_name)
    app, sweeps = build_processor(common, settings, pool, settings.clock(), tracer_provider)
    await sweeps.sync_obligations()
    await sweeps.merge_crowded()  # alerts stored one per deadline by earlier versions
    relay = await build_feed_relay(pool, settings.schema_name, common)
    sender = HttpxSender(settings.webhook_timeout_seconds, tuple(settings.webhook_allowed_hosts))
    webhooks = delivery(pool, settings, bootstrap(pool, settings, common), sender)
    try:
        async with (
            in_background(relay.run(stop)),  # the feed outbox onto lmis.agency.*
            in_background(deliver_until(webhooks, stop, settings.webhook_interval_seconds)),
        ):
            await serve(app, stop)
    finally:
        await relay.close()
        await sender.close()


def main() -> None:
    common = CommonSettings()
    settings = NotifySettings()
    run_processor(
        "notify",
        common,
        settings.processor_id,
        partial(run, common, settings),
        sources=settings.sources,
        schema=settings.schema_name,
        as_of=settings.as_of.isoformat() if settings.as_of else None,
        sweep_interval_seconds=settings.sweep_interval_seconds,
    )


if __name__ == "__main__":
    main()
