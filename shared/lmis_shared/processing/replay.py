"""Reading event stores back for a rebuild: large chunks, short statements, payloads typed.

A rebuild reads everything, so it reads in chunks of thousands of rows, each one statement in
autocommit. No statement writes, so none is given a transaction id, and the relays' gap-safe
rule (`tx_id < pg_snapshot_xmin(pg_current_snapshot())`, which looks at the transactions that
hold an id) is not held back by a rebuild's reads, however long the rebuild runs.

The reads are gap safe the same way the relay's are, up to a `bound` fixed by the caller (a
transaction id under which nothing can commit any more): a stream's events come in version
order and nothing below the bound is ever missed, so a rebuild knows exactly which prefix of
each store it has applied.

Payloads are typed as the live processors type them: upcast to the newest version, sealed
personal fields validated as neutral placeholders, unknown fields ignored
(`decoding.validate_payload`). A payload with no sealed field and no upcaster is validated
straight from its JSON text (measured about five times cheaper than parsing it first), with
the same result: the contracts' fields are JSON types and pydantic reads both forms alike.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Container, Sequence
from typing import NamedTuple, cast
from uuid import UUID

import asyncpg

from lmis_shared import upcasting
from lmis_shared.events import EventPayload, payload_class
from lmis_shared.eventstore.rows import EVENT_COLUMNS
from lmis_shared.privacy.fields import without_sealed
from lmis_shared.processing.decoding import Rejected
from lmis_shared.processing.projection import Connection
from lmis_shared.sql import in_schema

Position = tuple[int, int]
"""(tx_id, seq): a place in one store's global order."""

Part = tuple[int, int]
"""(k, n): the streams whose id's first byte is in the k-th of n equal ranges (the parts' ids
follow one another in their order: rows kept by stream come out sorted, part after part);
(0, 1) is every stream."""

WHOLE: Part = (0, 1)

_READ = ("event_type", "stream_id", "stream_type", "version", "data")

# the columns' places in both statements' rows (a Record read by place skips the lookup by name)
_EVENT_TYPE, _STREAM_ID, _STREAM_TYPE, _VERSION, _DATA = 2, 3, 4, 5, 6

_BOUND = "select pg_snapshot_xmin(pg_current_snapshot())::text::bigint"

CONTEXT = tuple(c for c in EVENT_COLUMNS if c not in _READ)
"""A stored event's columns beside what every replay reads (its place, stream, type and data)."""

_CHUNK = (
    "select tx_id::text::bigint as tx, seq, event_type, stream_id, stream_type,"
    " version, data::text as data{context} from {s}.events"
    " where (tx_id, seq) > ($1::text::xid8, $2::bigint) and tx_id < $3::text::xid8"
    " order by tx_id, seq limit $4"
)
_PART_CHUNK = (
    "select tx_id::text::bigint as tx, seq, event_type, stream_id, stream_type,"
    " version, data::text as data{context}, mine from ("
    "  select *, lead(seq) over (order by tx_id, seq) is null as last from ("
    "   select tx_id, seq, event_type, stream_id, stream_type, version, data{context},"
    "   get_byte(uuid_send(stream_id), 0) * $5 / 256 = $6 as mine from {s}.events"
    "   where (tx_id, seq) > ($1::text::xid8, $2::bigint) and tx_id < $3::text::xid8"
    "   order by tx_id, seq limit $4) c) e"
    " where mine or last order by tx_id, seq"
)
"""A part of the streams, each whole (a stream's events are all in one part): the next rows
of the store in its order, as `_CHUNK`, only the part's kept, and the last row for where the
read got to. (With the part's condition beside the order's, the server planned a scan and a
sort of the whole store for every chunk, measured.)"""


class Replayed(NamedTuple):
    """A stored event of a type the projection handles, its payload typed (a named tuple: one
    is made for every event replayed, at a third of a frozen dataclass's cost)."""

    stream_id: UUID
    stream_type: str
    version: int
    event_type: str
    """The newest version's type (after upcasting)."""
    payload: EventPayload
    row: asyncpg.Record
    """The stored row, for a projection that needs more of the event (its context)."""


async def gap_safe_bound(conn: asyncpg.Pool | Connection) -> int:
    """The transaction id under which every transaction has ended: events below it are final."""
    bound = await conn.fetchval(_BOUND)
    assert isinstance(bound, int)
    return bound


def chunk_statement(schema: str, part: Part = WHOLE, context: Sequence[str] = CONTEXT) -> str:
    """The statement reading a chunk of `schema`'s store (see `replay`): $1, $2 the position
    after which, $3 the bound, $4 the rows read; with a part, $5 its n and $6 its k."""
    columns = "".join(f", {c}" for c in CONTEXT if c in context)
    template = _CHUNK if part == WHOLE else _PART_CHUNK
    return in_schema(template.format(s="{s}", context=columns), schema)


async def replay(
    pool: asyncpg.Pool,
    schema: str,
    handled: Container[str],
    after: Position,
    bound: int,
    chunk: int,
    part: Part = WHOLE,
    context: Sequence[str] = CONTEXT,
) -> AsyncIterator[tuple[Position, list[Replayed], dict[UUID, int]]]:
    """The events of `schema`'s store after `after` and below `bound`, chunk by chunk, each
    with the position of its last row (kept or skipped) and the last version of every stream
    in the chunk; only `handled` types are kept, but every type holds a version of its stream
    (the live projection's positions count them all: `versions.py`). With `part`, only the
    events of that part of the streams (the position is still the last row read). `context`:
    the columns of `CONTEXT` the rows hold (a projection that reads few of them reads less:
    each column is decoded for every row)."""
    whole = part == WHOLE
    typing = Typing(handled)
    statement = chunk_statement(schema, part, context)
    arguments = () if whole else part[::-1]

    def fetch(start: Position) -> asyncio.Task[list[asyncpg.Record]]:
        return asyncio.ensure_future(
            pool.fetch(statement, str(start[0]), start[1], str(bound), chunk, *arguments)
        )

    # the next chunk is asked for before this one is typed and applied: the server reads it
    # meanwhile, on its own core
    pending = fetch(after)
    try:
        while rows := await pending:
            after = (rows[-1]["tx"], rows[-1]["seq"])
            pending = fetch(after)
            if not whole and not rows[-1]["mine"]:
                rows = rows[:-1]  # another part's: only where the read got to
            versions = {row[_STREAM_ID]: row[_VERSION] for row in rows}  # rows in order
            yield after, typing(rows), versions
    finally:
        pending.cancel()


_Validate = Callable[..., EventPayload]

_UPCAST: _Validate = cast(_Validate, object())
"""`Typing`'s mark for a type with an upcaster: its rows are typed by `typed`."""


class Typing:
    """`typed` over a chunk's rows, with what depends only on an event's type looked up once
    per type (the upcasters, `handled`, the payload class and its validator) and the row read
    by place: per row only the payload is validated (the look-ups by name and per row were
    most of typing's own time, besides validating; a rebuild types every event)."""

    def __init__(self, handled: Container[str]) -> None:
        self.handled = handled
        self.kinds: dict[str, _Validate | None] = {}
        """Event type -> its class's JSON validator, None if not handled, or `_UPCAST`."""

    def _kind(self, event_type: str) -> _Validate | None:
        if upcasting.has_upcaster(event_type):
            kind: _Validate | None = _UPCAST
        elif event_type not in self.handled:
            kind = None
        else:
            kind = payload_class(event_type).__pydantic_validator__.validate_json
        self.kinds[event_type] = kind
        return kind

    def __call__(self, rows: Sequence[asyncpg.Record]) -> list[Replayed]:
        # `tuple.__new__` makes the named tuple without its generated `__new__`'s call
        kinds, handled, new = self.kinds, self.handled, tuple.__new__
        found: list[Replayed] = []
        for row in rows:
            event_type = row[_EVENT_TYPE]
            validate = kinds[event_type] if event_type in kinds else self._kind(event_type)
            if validate is None:
                continue
            text = row[_DATA]
            if validate is _UPCAST or '"$enc"' in text:
                if (event := typed(row, handled)) is not None:
                    found.append(event)
                continue
            try:
                payload = validate(text, extra="ignore")
            except ValueError:
                raise Rejected(f"a stored {event_type} does not match its contract") from None
            found.append(
                new(
                    Replayed,
                    (row[_STREAM_ID], row[_STREAM_TYPE], row[_VERSION], event_type, payload, row),
                )
            )
        return found


def typed(row: asyncpg.Record, handled: Container[str]) -> Replayed | None:
    """The row's event with its payload typed, or None if its type is not `handled`."""
    event_type, text = row[_EVENT_TYPE], row[_DATA]
    data: dict[str, object] | None = None
    if upcasting.has_upcaster(event_type):
        event_type, data = upcasting.upcast(event_type, json.loads(text))
    if event_type not in handled:
        return None
    cls = payload_class(event_type)
    try:
        if data is None and '"$enc"' not in text:
            payload = cls.model_validate_json(text, extra="ignore")
        else:
            data = json.loads(text) if data is None else data
            payload = cls.model_validate(without_sealed(cls, data), extra="ignore")
    except ValueError:
        raise Rejected(f"a stored {event_type} does not match its contract") from None
    return Replayed(row[_STREAM_ID], row[_STREAM_TYPE], row[_VERSION], event_type, payload, row)
