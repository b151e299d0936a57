"""The faust application every LMIS stream processor is built on, and how it runs.

faust drives consumption only: which records arrive, in order per partition, and which
offsets are committed. State never lives in faust tables (they lost counts across restarts on
the embedded broker, see docs/architecture.md); projections keep it in PostgreSQL, with their
positions in the same transaction. Settings that matter, and why:

* `web_enabled=False` — faust's web server would serve `/table` pages, which may hold
  personal data, and nothing here needs it;
* session 6 s, heartbeat 1 s, rebalance 3 s — a worker joins its group on Tansu in about
  3 s instead of about 30 s with faust's defaults; fine on Apache Kafka too;
* `topic_disable_leader=True` — no `on_leader` tasks, so no leader-election topic;
* `topic_allow_declare=True` — a processor declares the dead-letter topics it owns;
* `processing_guarantee="at_least_once"` — Tansu has no transactions (exactly-once fails in
  InitProducerId); redeliveries are made harmless by the projections' positions;
* raw key and value serialisers — records are CloudEvents in binary mode, decoded by us from
  their headers, never by faust's model codecs;
* `stream_wait_empty=False` — events are acknowledged only after their effects commit, so on
  a stop there is nothing worth waiting for: what is not acknowledged comes again;
* `Monitor=LeanMonitor` — faust's monitor without its per-record bookkeeping (`sensors.py`);
* `cython_optimizations=True` — faust's compiled stream iterator takes a record already
  queued without awaiting the queue, and reads it through `get_nowait`, which resumes a
  partition paused for a full buffer once it is down to 40 %, not only once empty (the
  fetch for it then overlaps the rest of the buffer: `draining.py`). faust keeps it opt-in
  as new code. Its other change: a record read by several agents (notify's two on each
  topic) is decoded once and the same event handed to each; harmless here, where values are
  raw bytes (nothing to fail to decode) and each agent's acknowledgement counts on the
  record, which is committed only once every agent has acknowledged it;
* the consumer's fetch wait is `LMIS_PROCESSING_FETCH_MAX_WAIT_MS` (25 ms), not faust's fixed
  1500 ms: the embedded broker holds an empty fetch that long even when a record arrives
  (`fetching.py` has the figures).

`serve` runs an app in the current event loop until told to stop (or until it crashes); the
processors' `main()` and the integration tests use it alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any, cast

import faust

from lmis_shared.logging import get_logger
from lmis_shared.processing.fetching import FetchSettings, prompt_transport
from lmis_shared.processing.sensors import LeanMonitor
from lmis_shared.settings import CommonSettings

log = get_logger(__name__)


def make_app(
    name: str,
    settings: CommonSettings,
    fetching: FetchSettings | None = None,
    **overrides: Any,
) -> faust.App:
    """A faust app whose id (and consumer group) is `name`, on the settings' broker, its
    consumer's fetch wait from `fetching` (default: `LMIS_PROCESSING_*`)."""
    conf: dict[str, Any] = {
        "broker": [f"kafka://{host.strip()}" for host in settings.kafka_bootstrap.split(",")],
        "web_enabled": False,
        "broker_session_timeout": 6.0,
        "broker_heartbeat_interval": 1.0,
        "broker_rebalance_timeout": 3.0,
        "topic_allow_declare": True,
        "topic_disable_leader": True,
        "store": "memory://",
        "processing_guarantee": "at_least_once",
        "key_serializer": "raw",
        "value_serializer": "raw",
        "consumer_auto_offset_reset": "earliest",
        "stream_wait_empty": False,
        "Monitor": LeanMonitor,
        "cython_optimizations": True,
        "autodiscover": False,
        # faust creates this directory even with the memory store: keep it with our data
        "datadir": str(settings.data_dir / "faust" / name),
    }
    if (login := settings.kafka_login()) is not None:  # the processor's own KafkaUser
        conf["broker_credentials"] = faust.SASLCredentials(
            username=login.username,
            password=login.password,
            mechanism=login.mechanism,
            ssl_context=login.ssl_context() if login.protocol == "SASL_SSL" else None,
        )
    conf.update(overrides)
    app = faust.App(name, **conf)
    wait = (fetching or FetchSettings()).fetch_max_wait_ms
    app.transport = prompt_transport(app, wait)
    return app


async def serve(app: faust.App, stop: asyncio.Event) -> None:
    """Run `app` until `stop` is set; raise if the app crashes instead."""
    joined = _log_group_joins(app)
    # faust makes its data directory (even for the memory store) but not the parents
    Path(app.conf.datadir).parent.mkdir(parents=True, exist_ok=True)
    await app.start()
    try:
        while not stop.is_set() and not app.crashed:
            # a crash is a flag on the app, not an awaitable; once a second is enough
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
    finally:
        app.on_partitions_assigned.disconnect(joined)
        await app.stop()
    if app.crashed:
        raise RuntimeError(f"stream processor {app.conf.id} crashed") from app.crash_reason


def _log_group_joins(app: faust.App) -> Any:
    started = time.monotonic()

    async def joined(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        assigned = args[0] if args else kwargs.get("assigned", ())
        log.info(
            "processing.group_joined",
            app=app.conf.id,
            partitions=len(assigned),
            seconds_since_start=round(time.monotonic() - started, 2),
        )

    app.on_partitions_assigned.connect(cast(Any, joined))  # mode's handler type is too narrow
    return joined
