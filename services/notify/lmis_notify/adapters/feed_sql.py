"""SQL of the agency feeds (notify's schema; `{s}` is the validated schema name)."""

from __future__ import annotations

OUTBOX_COLUMNS = (
    "tx_id, seq, feed, unit, event_id, event_type, stream_id, stream_type, version, data::text,"
    " recorded_at, actor, correlation_id, causation_id, traceparent, source"
)
VISIBLE = "tx_id < pg_snapshot_xmin(pg_current_snapshot())"

READ_ALL = (
    f"select {OUTBOX_COLUMNS} from {{s}}.feed_outbox"  # noqa: S608
    f" where (tx_id, seq) > ($1::xid8, $2::bigint) and {VISIBLE} order by tx_id, seq limit $3"
)
PAGE = (
    f"select {OUTBOX_COLUMNS} from {{s}}.feed_outbox"  # noqa: S608
    " where feed = $1 and ($2::text is null or unit = $2)"
    f" and (tx_id, seq) > ($3::xid8, $4::bigint) and {VISIBLE} order by tx_id, seq limit $5"
)
INSERT = (
    "insert into {s}.feed_outbox (feed, unit, event_id, event_type, stream_id, stream_type,"
    " version, data, recorded_at, actor, correlation_id, causation_id, traceparent, source)"
    " select * from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::uuid[],"
    " $6::text[], $7::bigint[], $8::jsonb[], $9::timestamptz[], $10::text[], $11::uuid[],"
    " $12::uuid[], $13::text[], $14::text[])"
    " on conflict (feed, unit, event_id) do nothing"
)
SUBJECTS = (
    "select stream_id, commune_code, province_code, borrower from {s}.feed_subjects"
    " where stream_id = any($1::uuid[])"
)
SAVE_SUBJECTS = (
    "insert into {s}.feed_subjects (stream_id, commune_code, province_code, borrower)"
    " select * from unnest($1::uuid[], $2::text[], $3::text[], $4::bool[])"
    " on conflict (stream_id) do update set commune_code = excluded.commune_code,"
    " province_code = excluded.province_code, borrower = excluded.borrower"
)
DEFINITIONS = "select definition::text from {s}.feeds order by name"
CATALOGUE = (
    "select definition::text, catalogue_version, version, defined_at, defined_by"
    " from {s}.feeds order by name"
)
SAVE_FEED = (
    "insert into {s}.feeds (name, definition, catalogue_version, version, defined_at,"
    " defined_by) values ($1, $2::jsonb, $3, $4, $5, $6) on conflict (name) do update set"
    " definition = excluded.definition, catalogue_version = excluded.catalogue_version,"
    " version = excluded.version, defined_at = excluded.defined_at,"
    " defined_by = excluded.defined_by"
)
CLEAR = "delete from {s}.feed_outbox; delete from {s}.feed_subjects"
OF_SUBJECT = (
    "select feed, unit, event_id, event_type, data::text from {s}.feed_outbox where stream_id = $1"
)
REWRITE = (
    "update {s}.feed_outbox set data = $4::jsonb where feed = $1 and unit = $2 and event_id = $3"
)
SEED = (
    "insert into {s}.feeds (name, definition, catalogue_version, version, defined_at,"
    " defined_by) select * from unnest($1::text[], $2::jsonb[], $3::int[], $4::int[],"
    " $5::timestamptz[], $6::text[]) on conflict (name) do update set"
    " definition = excluded.definition, catalogue_version = excluded.catalogue_version,"
    " defined_at = excluded.defined_at, defined_by = excluded.defined_by"
    " where feeds.catalogue_version < excluded.catalogue_version"
)
