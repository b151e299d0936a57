"""The SQL of the PostgreSQL event store, for one schema.

An append to one stream (`append`, `append_in`) is one INSERT sent by the client: it checks
the stream's version and inserts in the same statement, and returns one (tx_id, seq) row per
event, or no row when it refused. A batch over several streams, or an append without events,
calls the schema's `append_events` function (migrations/0001), which reports why it refused.

Both keep the guarantees `append_events` documents: optimistic concurrency, the idempotency
key written by the statement that writes the events, and a stream's versions in (tx_id, seq)
order. One stream needs no function. The function pins a generic plan and a search_path; the
INSERT gets both anyway: its estimated cost barely depends on the arguments, so after five
runs PostgreSQL keeps a generic plan (tests/integration/test_event_store_stream_append.py
checks that), and it names every table with its schema. And the function's layers (the call,
PL/pgSQL, its result set) and wider plan cost about a quarter of the server's time per
append: about 270 -> 200 us of backend CPU per command, measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from lmis_shared.migrations import quoted_schema

# {s} is always a validated schema identifier (quoted_schema), never caller text
_PARAMS = ", ".join(f"${i}" for i in range(1, 20))
_APPEND = "select * from {s}.append_events(" + _PARAMS + ")"  # noqa: S608

# $1 stream id, $2 stream type, $3 expected version, $4-$6 the events' ids, types and JSON
# data, $7-$12 the context; with a key, $13-$16 the idempotency record.
# True when the stream's last version is $3 and was not written by a younger transaction than
# this one (which only a caller's transaction that wrote before appending can be): the
# `verdict` of append_events, for one stream. pg_current_xact_id() takes this statement's xid
# after its snapshot saw that last version, so a stream's versions follow (tx_id, seq).
_IN_PLACE = (
    "coalesce((select e.version = $3::bigint and e.tx_id <= pg_current_xact_id()"
    " from {s}.events e where e.stream_id = $1::uuid order by e.version desc limit 1),"
    " $3::bigint = 0)"
)

# rows are inserted, so numbered by the identity, in the order of the events
_INSERT_EVENTS = (
    "insert into {s}.events (event_id, event_type, stream_id, stream_type, version, data,"
    " recorded_at, actor, correlation_id, causation_id, traceparent, source)"
    " select u.event_id, u.event_type, $1::uuid, $2::text, $3::bigint + u.ord, u.data::jsonb,"
    " $7::timestamptz, $8::text, $9::uuid, $10::uuid, $11::text, $12::text"
    " from unnest($4::uuid[], $5::text[], $6::text[])"
    " with ordinality as u(event_id, event_type, data, ord)"
)

_APPEND_STREAM = _INSERT_EVENTS + " where " + _IN_PLACE + " order by u.ord returning tx_id, seq"

# the key is recorded only if the stream is in place, and the events only if the key was new
# (`on conflict do nothing`: a racing twin waits for the first to commit, then inserts nothing)
_APPEND_STREAM_KEYED = (
    "with idem as ("  # noqa: S608
    " insert into {s}.idempotency (key, fingerprint, status_code, response, recorded_at)"
    " select $13::text, $14::text, $15::integer, $16::text::jsonb, $7::timestamptz"
    " where "
    + _IN_PLACE
    + " on conflict (key) do nothing returning 1) "
    + _INSERT_EVENTS
    + " where exists (select from idem) order by u.ord returning tx_id, seq"
)

_SELECT = (
    "select tx_id, seq, event_id, event_type, stream_id, stream_type, version, data::text,"
    " recorded_at, actor, correlation_id, causation_id, traceparent, source from {s}.events"
)

# rows below the store's horizon ($4, read by the statement before: `horizon.py`) are final:
# nothing can commit among them later
_READ_ALL = (
    _SELECT + " where (tx_id, seq) > ($1::xid8, $2::bigint) and tx_id < $4::xid8"
    " order by tx_id, seq limit $3"
)

_READ_STREAM = _SELECT + " where stream_id = $1 order by version"

# a store that seals personal data (lmis_shared.privacy) reads the stream's data key with its
# events, in the same round trip; `person_keys` exists in the schemas of those stores only
_READ_STREAM_WITH_KEY = (
    "select e.tx_id, e.seq, e.event_id, e.event_type, e.stream_id, e.stream_type, e.version,"
    " e.data::text as data, e.recorded_at, e.actor, e.correlation_id, e.causation_id,"
    " e.traceparent, e.source, k.wrapped_key, k.master_key_id from {s}.events e"
    " left join {s}.person_keys k on k.subject_id = e.stream_id"
    " where e.stream_id = $1 order by e.version"
)

_FIND_RESPONSE = (
    "select status_code, response::text, fingerprint from {s}.idempotency where key = $1"
)

# An expired record is deleted by the statement that looks for it, so that the key's next
# append (`on conflict (key) do nothing`) is not taken for a twin of the expired command.
_FIND_LIVE_RESPONSE = (
    "with expired as (delete from {s}.idempotency where key = $1 and recorded_at < $2)"
    " select status_code, response::text, fingerprint from {s}.idempotency"
    " where key = $1 and recorded_at >= $2"
)

_FORGET_RESPONSES = "delete from {s}.idempotency where recorded_at < $1"

_VERSION = "select coalesce(max(version), 0) from {s}.events where stream_id = $1"


@dataclass(frozen=True)
class Statements:
    append: str
    append_stream: str
    append_stream_keyed: str
    read_all: str
    read_stream: str
    read_stream_with_key: str
    find_response: str
    find_live_response: str
    forget_responses: str
    version: str

    @classmethod
    def for_schema(cls, schema: str) -> Statements:
        s = quoted_schema(schema)
        return cls(
            append=_APPEND.format(s=s),
            append_stream=_APPEND_STREAM.format(s=s),
            append_stream_keyed=_APPEND_STREAM_KEYED.format(s=s),
            read_all=_READ_ALL.format(s=s),
            read_stream=_READ_STREAM.format(s=s),
            read_stream_with_key=_READ_STREAM_WITH_KEY.format(s=s),
            find_response=_FIND_RESPONSE.format(s=s),
            find_live_response=_FIND_LIVE_RESPONSE.format(s=s),
            forget_responses=_FORGET_RESPONSES.format(s=s),
            version=_VERSION.format(s=s),
        )
