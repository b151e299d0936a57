"""Running the relay as a process: `lmis relay <service>` calls `main`.

The process holds its service's lock while it publishes (`lock.py`), keeps its heartbeat
at `<data_dir>/health/relay-<service>` for `lmis health relay <service>` (`liveness.py`), and
its metrics (`<service>-relay`: lag and events published, `lag.py`) on `LMIS_METRICS_PORT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

import asyncpg
from opentelemetry.trace import Tracer

from lmis_shared.background import in_background
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.liveness import Liveness, LivenessSettings, beating, heartbeat_path
from lmis_shared.logging import get_logger, setup_logging
from lmis_shared.metrics import setup_metrics
from lmis_shared.relay.checkpoints import PostgresCheckpoints, migrate
from lmis_shared.relay.core import Relay, RelayStats
from lmis_shared.relay.kafka_publisher import KafkaPublisher
from lmis_shared.relay.lag import RelayLag, report_lag
from lmis_shared.relay.leadership import RelayLock
from lmis_shared.relay.lock import PostgresRelayLock
from lmis_shared.relay.settings import RelaySettings
from lmis_shared.relay.wakeup import PostgresCommitListener
from lmis_shared.settings import CommonSettings, KafkaLogin

log = get_logger(__name__)


def build_relay(
    pool: asyncpg.Pool,
    schema: str,
    *,
    bootstrap: str,
    topic: str,
    database_url: str | None = None,
    settings: RelaySettings | None = None,
    login: KafkaLogin | None = None,
    liveness: Liveness | None = None,
    tracer: Tracer | None = None,
    service: str | None = None,
) -> Relay:
    """A relay from `schema`'s event store to `topic` (the checkpoint table must exist), of
    `service` in its metrics.

    Its lock on `schema` is held on a connection of its own to `database_url`, the database
    of `pool`, and so is its wake-up on commit (`wakeup.py`, unless `wake_on_commit` is off).
    Without `database_url` it has no lock: `publish_pending` (one round, for a
    tool that knows it is alone) works, `run` refuses to start.
    """
    settings = settings or RelaySettings()
    lock: RelayLock = (
        _NoLockGiven()
        if database_url is None
        else PostgresRelayLock(database_url, schema, timeout=settings.lock_timeout)
    )
    wakeup = (
        PostgresCommitListener(database_url, schema, timeout=settings.lock_timeout)
        if database_url is not None and settings.wake_on_commit
        else None
    )
    return Relay(
        PostgresEventStore(pool, schema),
        PostgresCheckpoints(pool, schema),
        KafkaPublisher(bootstrap, topic, settings, login),
        settings,
        lock=lock,
        liveness=liveness,
        tracer=tracer,
        service=service,
        wakeup=wakeup,
    )


class _NoLockGiven:
    """The lock of a relay built without `database_url`: it may not run."""

    async def try_acquire(self) -> bool:
        raise TypeError("a relay on PostgreSQL runs only with its lock: pass database_url")

    async def held(self) -> bool:
        return False

    async def release(self) -> None:
        return None


async def run_relay(
    settings: CommonSettings,
    schema: str,
    domain: str,
    stop: asyncio.Event | None = None,
    *,
    relay_settings: RelaySettings | None = None,
    liveness_settings: LivenessSettings | None = None,
    tracer: Tracer | None = None,
) -> RelayStats:
    """Publish `schema`'s events to the `domain` topic until `stop` is set, while no other
    relay on `schema` does.

    Without `stop`, SIGTERM or SIGINT stops it. Either way the round in flight is finished
    and the producer closed before it returns. All along it reports its lag (`lag.py`).
    """
    liveness = Liveness()
    heartbeat = heartbeat_path(settings.data_dir, "relay", domain)
    interval = (liveness_settings or LivenessSettings()).interval
    topic = settings.topic(domain)
    async with beating(liveness, heartbeat, interval):
        pool = await create_pool(settings.database_dsn(), min_size=1, max_size=3)
        try:
            with liveness.busy():
                await migrate(pool, schema)
            relay = build_relay(
                pool,
                schema,
                bootstrap=settings.kafka_bootstrap,
                topic=topic,
                database_url=settings.database_dsn(),
                settings=relay_settings,
                login=settings.kafka_login(),
                liveness=liveness,
                tracer=tracer,
                service=domain,
            )
            lag = RelayLag(pool, schema, topic)
            try:
                with _signals_set(stop) as until:
                    async with in_background(report_lag(lag, relay, settings.metrics_interval)):
                        await relay.run(until)
            finally:
                await relay.close()
        finally:
            await pool.close()
    return relay.stats


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event | None) -> Iterator[asyncio.Event]:
    """`stop` itself, or an event that SIGTERM and SIGINT set while inside."""
    if stop is not None:
        yield stop
        return
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, event.set)
    try:
        yield event
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def main(service_schema: str, domain: str) -> None:
    """The relay process of one service: settings from `LMIS_*`, runs until signalled."""
    from lmis_shared.telemetry import setup_telemetry  # the SDK belongs to processes only

    settings = CommonSettings()
    name = f"{domain}-relay"
    setup_logging(name, settings.log_level)
    # kafka-python narrates every connection at INFO; the relay logs the state that matters
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    provider = setup_telemetry(name, settings)
    setup_metrics(name, settings)
    try:
        asyncio.run(run_relay(settings, service_schema, domain))
    except Exception:
        log.exception("relay.failed", schema=service_schema, domain=domain)
        raise SystemExit(1) from None
    finally:
        provider.shutdown()
