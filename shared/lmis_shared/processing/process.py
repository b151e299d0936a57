"""A stream processor as a process: what the processors' `main()` share.

`run_processor` sets up logs (`<service>-processor`), traces and metrics (`<service>-processor`,
served on `LMIS_METRICS_PORT`: `metrics.py`), opens a pool on the database,
runs `run(pool, stop, provider)` in a new event loop until SIGINT or SIGTERM sets `stop`, and
closes the pool and shuts the traces down. Before it runs, the garbage collector is told that
what exists by then lives as long as the process (`heap.py`). What runs, and what the start
is logged with, is the processor's own. All along it keeps the heartbeat
`<data_dir>/health/process-<service>` of the process's `Liveness` (`lmis_shared.liveness`),
which its agents mark their work on, for `lmis health process <service>`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

import asyncpg
from opentelemetry.trace import TracerProvider

from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.liveness import PROCESS, LivenessSettings, beating, heartbeat_path
from lmis_shared.logging import get_logger, setup_logging
from lmis_shared.metrics import setup_metrics
from lmis_shared.processing.heap import settle_heap
from lmis_shared.settings import CommonSettings

log = get_logger(__name__)

Run = Callable[[asyncpg.Pool, asyncio.Event, TracerProvider], Awaitable[None]]
"""The processor's work on the pool until the event is set, traced on the provider."""


def run_processor(
    service: str, common: CommonSettings, app_id: str, run: Run, **starting: object
) -> None:
    """Run the processor `app_id` of `service` until signalled; `starting` is logged with its
    start."""
    from lmis_shared.telemetry import setup_telemetry  # the SDK belongs to processes only

    setup_logging(f"{service}-processor", common.log_level)
    # faust logs events' reprs in some errors; a record's value may hold personal data
    logging.getLogger("faust").setLevel(logging.WARNING)
    provider = setup_telemetry(service, common)
    setup_metrics(f"{service}-processor", common)
    settle_heap()  # everything imported and set up lives as long as the process
    try:
        asyncio.run(_until_signalled(service, common, app_id, run, provider, starting))
    finally:
        provider.shutdown()


async def _until_signalled(
    service: str,
    common: CommonSettings,
    app_id: str,
    run: Run,
    provider: TracerProvider,
    starting: dict[str, object],
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.info("processing.starting", app=app_id, **starting)
    heartbeat = heartbeat_path(common.data_dir, "process", service)
    async with beating(PROCESS, heartbeat, LivenessSettings().interval):
        pool = await create_pool(common.database_dsn())
        try:
            await run(pool, stop, provider)
        finally:
            await pool.close()
    log.info("processing.stopped", app=app_id)
