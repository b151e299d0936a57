"""What the indicator projection knew at the end of each day, in PostgreSQL ("as of" a day).

`indicator_counts` and `stream_facts` hold what is known now: a loan's schedule replaced by a
restructuring, a permit's expiry moved by an extension, a departure recorded a month late all
read as if they had always been so. Two more tables keep when each thing became known
(Vietnam's calendar day the event was recorded on, `application/counting.py`):

* `indicator_counts_recorded`: the same rows as `indicator_counts`, split by `recorded_on`;
  the counts known at the end of day D are the rows recorded on D or before.
* `stream_facts_history`: each stream's facts at the end of every recorded day that changed
  them, valid from `known_from` until the next version's day (`known_until`, exclusive; NULL
  for the current one). The facts known at the end of D are the versions with
  `known_from <= D < known_until`.

Both are written by the live projection in its batch's transaction and by a rebuild's
replica (`adapters/replica.py`) in the same forms. Installations from before these tables
get them empty: `lmis rebuild reporting` fills them from the event stores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from lmis_reporting.adapters.deferred_writes import DeferredWrites
from lmis_reporting.adapters.facts_store import dump
from lmis_reporting.application.ports import FactVersion, RecordedIncrement
from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.indicators import Increment
from lmis_shared.migrations import Migration
from lmis_shared.processing import Connection
from lmis_shared.sql import in_schema

MIGRATION = Migration(
    "indicators/0003_known_as_of.sql",
    """
-- Empty for the events processed before this version: `lmis rebuild reporting` fills them.
CREATE TABLE indicator_counts_recorded (
    indicator text NOT NULL,
    unit_code text NOT NULL,
    period date NOT NULL CHECK (extract(day FROM period) = 1),
    dimension text NOT NULL DEFAULT '',
    dim_value text NOT NULL DEFAULT '',
    recorded_on date NOT NULL,
    value bigint NOT NULL,
    PRIMARY KEY (indicator, unit_code, period, dimension, dim_value, recorded_on)
);
CREATE TABLE stream_facts_history (
    stream_id uuid NOT NULL,
    known_from date NOT NULL,
    known_until date NULL CHECK (known_until > known_from),
    stream_type text NOT NULL,
    commune_code text NOT NULL,
    facts jsonb NOT NULL,
    PRIMARY KEY (stream_id, known_from)
);
CREATE INDEX stream_facts_history_by_unit
    ON stream_facts_history (stream_type, commune_code, known_from);
""",
)

_ADD = """
    INSERT INTO {s}.indicator_counts_recorded AS c
        (indicator, unit_code, period, dimension, dim_value, recorded_on, value)
    SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[],
                         $6::date[], $7::bigint[])
    ON CONFLICT (indicator, unit_code, period, dimension, dim_value, recorded_on)
    DO UPDATE SET value = c.value + excluded.value"""

# the versions of a batch come in recorded order: the open version of each stream written is
# known until the stream's first new day (one index probe a stream, no window over its rows;
# the row found is updated by its ctid, so that a plan made while the table was small does not
# join it by a scan of the whole table: `test_projection_read_plans.py`; the projection's lock
# keeps any other writer off these rows meanwhile)
_CLOSE = """
    UPDATE {s}.stream_facts_history h SET known_until = v.first
    FROM (SELECT stream_id, min(known_from) AS first
          FROM unnest($1::uuid[], $2::date[]) AS n(stream_id, known_from)
          GROUP BY stream_id) v,
        LATERAL (SELECT o.ctid FROM {s}.stream_facts_history o
                 WHERE o.stream_id = v.stream_id AND o.known_until IS NULL
                   AND o.known_from < v.first OFFSET 0) open
    WHERE h.ctid = open.ctid"""

_RECORD = """
    INSERT INTO {s}.stream_facts_history
        (stream_id, known_from, known_until, stream_type, commune_code, facts)
    SELECT * FROM unnest($1::uuid[], $2::date[], $3::date[], $4::text[], $5::text[], $6::jsonb[])
    ON CONFLICT (stream_id, known_from) DO UPDATE SET
        known_until = excluded.known_until,
        stream_type = excluded.stream_type,
        commune_code = excluded.commune_code,
        facts = excluded.facts"""


class PostgresRecordedCounts:
    """The `RecordedCounts` port on one transaction's connection."""

    def __init__(self, conn: Connection | DeferredWrites, schema: str) -> None:
        self._conn = conn
        self._schema = schema

    async def add(self, increments: Sequence[RecordedIncrement]) -> None:
        if not increments:
            return
        rows = [r.increment for r in increments]
        await self._conn.execute(
            in_schema(_ADD, self._schema),
            *count_keys(rows),
            [r.recorded_on for r in increments],
            [r.delta for r in rows],
        )


def count_keys(increments: Sequence[Increment]) -> list[list[Any]]:
    """The count rows' keys of `increments` (indicator, unit, month, breakdown), an array per
    column, as the counts' tables take them (`unnest`)."""
    return [
        [r.indicator for r in increments],
        [r.unit_code for r in increments],
        [r.period for r in increments],
        [r.dimension for r in increments],
        [r.dim_value for r in increments],
    ]


class PostgresFactHistory:
    """The `FactHistory` port on one transaction's connection."""

    def __init__(
        self, conn: Connection | DeferredWrites, schema: str, dumps: Callable[[Facts], str] = dump
    ) -> None:
        self._conn = conn
        self._schema = schema
        self._dump = dumps

    async def record(self, versions: Sequence[FactVersion]) -> None:
        if not versions:
            return
        ids = [v.stream_id for v in versions]
        days = [v.known_from for v in versions]
        await self._conn.execute(in_schema(_CLOSE, self._schema), ids, days)
        await self._conn.execute(
            in_schema(_RECORD, self._schema),
            ids,
            days,
            _until(versions),
            [v.stream_type for v in versions],
            [v.facts.commune_code for v in versions],
            [self._dump(v.facts) for v in versions],
        )


def _until(versions: Sequence[FactVersion]) -> list[date | None]:
    """Each version's end: its stream's next version's day in the batch, else still open."""
    until: list[date | None] = [None] * len(versions)
    last: dict[UUID, int] = {}
    for at, v in enumerate(versions):
        if v.stream_id in last:
            until[last[v.stream_id]] = v.known_from
        last[v.stream_id] = at
    return until
