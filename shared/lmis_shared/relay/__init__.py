"""The relay (transactional outbox → Kafka) that every service runs as its own process.

Public API:
    main(service_schema: str, domain: str) -> None          the `lmis relay <service>` process
    run_relay(settings: CommonSettings, schema: str, domain: str,
              stop: asyncio.Event | None = None, *, relay_settings: RelaySettings | None = None,
              tracer: Tracer | None = None) -> RelayStats
    build_relay(pool, schema, *, bootstrap, topic, database_url, settings=None,
                liveness=None, tracer=None) -> Relay
    Relay.publish_pending() -> int        one round; Relay.run(stop) loops while it holds
                                          the lock; Relay.close()
    migrate(pool, schema) -> list[str]    the checkpoint table (run_relay calls it)
    PostgresRelayLock(dsn, schema)        one relay per schema (`lock.py`)
    PostgresCommitListener(dsn, schema)   wakes the relay on the store's commit signal
                                          (`wakeup.py`; the poll stays the fallback)
The heartbeat of relays and processors is `lmis_shared.liveness`.
    RelaySettings                         `LMIS_RELAY_*`
The design and its guarantees are in `core.py`.
"""

from lmis_shared.relay.checkpoints import PostgresCheckpoints, migrate
from lmis_shared.relay.core import (
    TRANSIENT_ERRORS,
    Checkpoints,
    EventSource,
    OutboundRecord,
    Publisher,
    PublishFailed,
    Relay,
    RelayStats,
    Unavailable,
)
from lmis_shared.relay.entry import build_relay, main, run_relay
from lmis_shared.relay.kafka_publisher import KafkaPublisher
from lmis_shared.relay.leadership import LockLost, NoLock, RelayLock
from lmis_shared.relay.lock import PostgresRelayLock
from lmis_shared.relay.settings import RelaySettings

__all__ = [
    "TRANSIENT_ERRORS",
    "Checkpoints",
    "EventSource",
    "KafkaPublisher",
    "LockLost",
    "NoLock",
    "OutboundRecord",
    "PostgresCheckpoints",
    "PostgresRelayLock",
    "PublishFailed",
    "Publisher",
    "Relay",
    "RelayLock",
    "RelaySettings",
    "RelayStats",
    "Unavailable",
    "build_relay",
    "main",
    "migrate",
    "run_relay",
]
