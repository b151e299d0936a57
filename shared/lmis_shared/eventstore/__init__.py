"""The event store: the port, its PostgreSQL implementation and its in-memory fake."""

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
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool

__all__ = [
    "AppendContext",
    "AppendResult",
    "DuplicateCommand",
    "DuplicateEventId",
    "EventStore",
    "IdempotencyRecord",
    "InMemoryEventStore",
    "Position",
    "PostgresEventStore",
    "StoredResponse",
    "StreamAppend",
    "WrongExpectedVersion",
    "create_pool",
]
