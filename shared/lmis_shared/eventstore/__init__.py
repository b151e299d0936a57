"""The event store: the port, its errors and its in-memory fake.

The PostgreSQL store is `lmis_shared.eventstore.postgres` (import it from there): this package
loads no driver, so a service's domain and application layers may use the port."""

from lmis_shared.eventstore.api import (
    AppendContext,
    AppendResult,
    EventStore,
    IdempotencyRecord,
    Position,
    StoredResponse,
    StreamAppend,
)
from lmis_shared.eventstore.errors import DuplicateCommand, DuplicateEventId, WrongExpectedVersion
from lmis_shared.eventstore.memory import InMemoryEventStore

__all__ = [
    "AppendContext",
    "AppendResult",
    "DuplicateCommand",
    "DuplicateEventId",
    "EventStore",
    "IdempotencyRecord",
    "InMemoryEventStore",
    "Position",
    "StoredResponse",
    "StreamAppend",
    "WrongExpectedVersion",
]
