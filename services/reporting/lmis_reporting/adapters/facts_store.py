"""The projection's per-stream facts in PostgreSQL (`stream_facts`), read and written in batches.

One row per stream: its type, the commune it counts in (a column, for the stock indicators'
"under this unit" join) and the facts as JSON (`domain/facts.py` says what they hold). Rows
are loaded for a batch's streams at its start and written back once at its end, inside the
projection's transaction (`application/counting.py`); `parse` also serves the reads.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from uuid import UUID

from lmis_reporting.adapters.deferred_writes import DeferredWrites
from lmis_reporting.domain.facts import FACTS_BY_STREAM, Facts
from lmis_shared.migrations import Migration
from lmis_shared.processing import Connection
from lmis_shared.sql import in_schema

MIGRATION = Migration(
    "indicators/0002_stream_facts.sql",
    """
-- Counts kept before the facts existed could not be broken down or attributed like the new
-- ones: start the projection again (the events come again: the embedded broker is refilled
-- from the event stores at every start; elsewhere, replay the topics or rebuild).
DELETE FROM indicator_counts;
DELETE FROM projection_positions WHERE projection = 'reporting.indicator_counts';
CREATE TABLE stream_facts (
    stream_id uuid PRIMARY KEY,
    stream_type text NOT NULL,
    commune_code text NOT NULL,
    facts jsonb NOT NULL
);
CREATE INDEX stream_facts_by_unit ON stream_facts (stream_type, commune_code);
""",
)

# one index probe per stream asked about: `stream_id = ANY($1)`, planned generically while the
# table was small (a new schema, the first batches), stayed a sequential scan as it grew
# (`test_projection_read_plans.py`)
_LOAD = """
    SELECT f.stream_id, f.stream_type, f.facts::text AS facts FROM unnest($1::uuid[]) AS t(id),
        LATERAL (SELECT * FROM {s}.stream_facts WHERE stream_id = t.id OFFSET 0) f"""
_SAVE = """
    INSERT INTO {s}.stream_facts (stream_id, stream_type, commune_code, facts)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])
    ON CONFLICT (stream_id) DO UPDATE SET
        stream_type = excluded.stream_type,
        commune_code = excluded.commune_code,
        facts = excluded.facts"""


def parse(stream_type: str, text: str) -> Facts:
    return FACTS_BY_STREAM.get(stream_type, Facts).model_validate_json(text)


def dump(facts: Facts) -> str:
    """`facts.model_dump_json(exclude_defaults=True)`: defaults left out, as most of a record
    is empty until its stream has gone far."""
    return dump_bytes(facts).decode()


def dump_bytes(facts: Facts) -> bytes:
    """`dump` as UTF-8, asked of the serializer straight: a third cheaper than
    `model_dump_json`, measured, and a rebuild dumps every stream's facts."""
    return facts.__pydantic_serializer__.to_json(facts, exclude_defaults=True)


class BatchDumps:
    """`dump`, made once per facts object in a batch: a stream's facts and its history row
    for the day carry the same object, and the JSON is most of writing either."""

    def __init__(self) -> None:
        self._made: dict[int, tuple[Facts, str]] = {}  # the facts kept: an id is not reused

    def __call__(self, facts: Facts) -> str:
        made = self._made.get(id(facts))
        if made is None:
            made = self._made[id(facts)] = (facts, dump(facts))
        return made[1]


class PostgresStreamFacts:
    """The `StreamFacts` port on one transaction's connection."""

    def __init__(
        self, conn: Connection | DeferredWrites, schema: str, dumps: Callable[[Facts], str] = dump
    ) -> None:
        self._conn = conn
        self._schema = schema
        self._dump = dumps

    async def load(self, stream_ids: Collection[UUID]) -> dict[UUID, Facts]:
        rows = await self._conn.fetch(in_schema(_LOAD, self._schema), list(stream_ids))
        return {row["stream_id"]: parse(row["stream_type"], row["facts"]) for row in rows}

    async def save(self, facts: Mapping[UUID, tuple[str, Facts]]) -> None:
        if not facts:
            return
        ids = list(facts)
        await self._conn.execute(
            in_schema(_SAVE, self._schema),
            ids,
            [facts[i][0] for i in ids],
            [facts[i][1].commune_code for i in ids],
            [self._dump(facts[i][1]) for i in ids],
        )
