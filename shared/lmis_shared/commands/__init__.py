"""Commands: the one path every service's commands run through (`CommandPath`), the aggregate
description it needs (`Aggregate`), the storage port it writes through (`Streams`), and the
caller's context and result. `docs/architecture.md` walks through it.

`PostgresStreams` is in `lmis_shared.commands.postgres`: nothing else here imports a driver."""

from lmis_shared.commands.aggregate import Aggregate, Versioned, VersionedState
from lmis_shared.commands.context import (
    CommandContext,
    CommandResult,
    IdempotencyKeyReused,
    check_if_match,
    replayed,
    request_fingerprint,
)
from lmis_shared.commands.path import IDEMPOTENCY_TTL, Command, CommandPath, new_stream_id
from lmis_shared.commands.streams import (
    Change,
    EventStoreStreams,
    NoReadModel,
    ReadModel,
    RowsAfterAppend,
    Streams,
)

__all__ = [
    "IDEMPOTENCY_TTL",
    "Aggregate",
    "Change",
    "Command",
    "CommandContext",
    "CommandPath",
    "CommandResult",
    "EventStoreStreams",
    "IdempotencyKeyReused",
    "NoReadModel",
    "ReadModel",
    "RowsAfterAppend",
    "Streams",
    "Versioned",
    "VersionedState",
    "check_if_match",
    "new_stream_id",
    "replayed",
    "request_fingerprint",
]
