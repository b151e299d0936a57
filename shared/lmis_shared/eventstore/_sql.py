"""The SQL of the PostgreSQL event store, for one schema.

The append itself lives in the schema as `append_events` (see migrations/0001): the client
calls it as one statement in autocommit.
"""

from __future__ import annotations

from dataclasses import dataclass

from lmis_shared.migrations import quoted_schema

# {s} is always a validated schema identifier (quoted_schema), never caller text
_PARAMS = ", ".join(f"${i}" for i in range(1, 20))
_APPEND = "select * from {s}.append_events(" + _PARAMS + ")"  # noqa: S608

_SELECT = (
    "select tx_id, seq, event_id, event_type, stream_id, stream_type, version, data::text,"
    " recorded_at, actor, correlation_id, causation_id, traceparent, source from {s}.events"
)

# rows below the oldest running transaction are final: nothing can commit among them later
_READ_ALL = (
    _SELECT + " where (tx_id, seq) > ($1::xid8, $2::bigint)"
    " and tx_id < pg_snapshot_xmin(pg_current_snapshot())"
    " order by tx_id, seq limit $3"
)

_READ_STREAM = _SELECT + " where stream_id = $1 order by version"

_FIND_RESPONSE = (
    "select status_code, response::text, fingerprint from {s}.idempotency where key = $1"
)

_VERSION = "select coalesce(max(version), 0) from {s}.events where stream_id = $1"


@dataclass(frozen=True)
class Statements:
    append: str
    read_all: str
    read_stream: str
    find_response: str
    version: str

    @classmethod
    def for_schema(cls, schema: str) -> Statements:
        s = quoted_schema(schema)
        return cls(
            append=_APPEND.format(s=s),
            read_all=_READ_ALL.format(s=s),
            read_stream=_READ_STREAM.format(s=s),
            find_response=_FIND_RESPONSE.format(s=s),
            version=_VERSION.format(s=s),
        )
