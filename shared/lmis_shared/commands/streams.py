"""The port the command path writes through, and its two implementations.

`Streams[S]` reads a stream, finds a stored idempotent response, and saves a `Change[S]`: the
events appended after `expected_version` together with whatever must change with them in the
same transaction (read models, uniqueness claims, guards). The service says what that is by
giving a `ReadModel[S]`; the path never knows.

    EventStoreStreams(store, read_model=None)      over any EventStore (unit tests: in memory)
    PostgresStreams(pool, schema, read_model=None) one PostgreSQL transaction per change
                                                   (`lmis_shared.commands.postgres`)

This module and the rest of `lmis_shared.commands` import no driver, so a service's domain and
application layers may use them; only `postgres.py` needs asyncpg.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore.api import (
    AppendContext,
    EventStore,
    IdempotencyRecord,
    StoredResponse,
)

S = TypeVar("S")


@dataclass(frozen=True)
class Change(Generic[S]):
    """One command's outcome: its events after `expected_version`, and the state before them
    (None for a new stream) and after."""

    stream_id: UUID
    stream_type: str
    expected_version: int
    events: Sequence[NewEvent]
    context: AppendContext
    idempotency: IdempotencyRecord | None
    before: S | None
    after: S


class Streams(Protocol[S]):
    async def read(self, stream_id: UUID) -> list[RecordedEvent]:
        """The stream's events in version order (empty when there is no such stream)."""
        ...

    async def find_response(
        self, key: str, not_before: datetime | None = None
    ) -> StoredResponse | None: ...

    async def save(self, change: Change[S]) -> None:
        """Append and apply the change atomically. Raises the store's WrongExpectedVersion or
        DuplicateCommand, or the read model's own refusal; nothing is stored then."""
        ...


class ReadModel(Protocol[S]):
    """What changes with a stream's events, inside the append's transaction.

    `connection` is the transaction's (an asyncpg connection for `PostgresStreams`, None for
    `EventStoreStreams`). `guard` runs before the append and must not write (a lock that
    serialises writers, say): a write before the append could make a concurrent append to
    the same stream fail (`PostgresEventStore.append_in`). `apply` runs after it: rows derived
    from the new state, checks that need them; raising there rolls the append back too."""

    async def guard(self, connection: Any, change: Change[S]) -> None: ...

    async def apply(self, connection: Any, change: Change[S]) -> None: ...


class NoReadModel:
    """For aggregates whose streams are their only record."""

    async def guard(self, connection: Any, change: Change[Any]) -> None:
        return None

    async def apply(self, connection: Any, change: Change[Any]) -> None:
        return None


class RowsAfterAppend(Generic[S]):
    """A read model whose rows in `schema` follow the new state, all written by `apply` after
    the append: nothing to guard before it. Subclasses give `apply`."""

    def __init__(self, schema: str) -> None:
        self._schema = schema

    async def guard(self, connection: Any, change: Change[S]) -> None:
        return None


class EventStoreStreams(Generic[S]):
    """Streams over any event store; the read model is applied after the append (not in one
    transaction: for the in-memory store of unit tests, where nothing can fail half-way)."""

    def __init__(self, store: EventStore, read_model: ReadModel[S] | None = None) -> None:
        self.store = store
        self.read_model: ReadModel[S] = read_model or NoReadModel()

    async def read(self, stream_id: UUID) -> list[RecordedEvent]:
        return await self.store.read_stream(stream_id)

    async def find_response(
        self, key: str, not_before: datetime | None = None
    ) -> StoredResponse | None:
        return await self.store.find_response(key, not_before)

    async def save(self, change: Change[S]) -> None:
        await self._save(change, None, self.store.append)

    async def save_all(self, changes: Sequence[Change[S]]) -> None:
        """Several streams' changes; in one transaction where the store has them
        (`PostgresStreams`), one after the other here."""
        for change in changes:
            await self.save(change)

    async def _save(
        self, change: Change[S], connection: Any, append: Callable[..., Awaitable[object]]
    ) -> None:
        """Guard, append (`append` takes `EventStore.append`'s arguments), apply: the order of
        every save, whatever the connection (`ReadModel` says why)."""
        await self.read_model.guard(connection, change)
        await append(
            change.stream_id,
            change.stream_type,
            change.expected_version,
            change.events,
            change.context,
            idempotency=change.idempotency,
        )
        await self.read_model.apply(connection, change)
