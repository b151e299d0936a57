"""The rebuilt rows of a projection staged in temporary tables, and the swap into the live ones.

A `Replica` (the projection's tables in memory, see `rebuilding.py`) is copied with COPY into
temporary tables of one session: the service's role may create those (it may change nothing
in its schema), and they write no WAL. `swap`, inside the transaction that holds the
projection's lock, makes each live table equal to its stage: rows missing from the stage are
deleted, rows that differ (found by one join) are upserted, and the projection's positions
likewise; a rebuild that changes little writes little. A first build, into tables still empty,
is copied straight into them instead (`load_live`): no stage, no join.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import ClassVar, cast
from uuid import UUID

from lmis_shared.processing.copy_binary import chunked
from lmis_shared.processing.positions_encoded import POSITION_COLUMNS
from lmis_shared.processing.projection import Connection
from lmis_shared.processing.replay import CONTEXT, Replayed
from lmis_shared.sql import in_schema

_COPY_ROWS = 100_000
"""Rows per COPY into the stage: each COPY is a short transaction of its own."""

Row = tuple[object, ...]

Encoding = Iterable[bytes | memoryview]
"""Rows as binary COPY data, header and trailer included (`copy_binary.py`)."""


@dataclass(frozen=True)
class Table:
    """A table of the projection: its key (a unique index of the live table) and the rest."""

    name: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    order: tuple[str, ...] = ()
    """Columns the new rows are inserted in the order of (an outbox whose relay publishes in
    insertion order); none: any order."""

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key + self.values


class Replica(ABC):
    """A projection's tables in memory, written by the projection's own use case."""

    tables: ClassVar[tuple[Table, ...]]
    context: ClassVar[Sequence[str]] = CONTEXT
    """The columns of the stored event (`replay.CONTEXT`) `apply` reads from `Replayed.row`."""

    @abstractmethod
    async def apply(self, events: Sequence[Replayed]) -> None:
        """Apply new events (in order, each once), as the live projection's `apply` does."""

    @abstractmethod
    def rows(self, table: Table, keys: Collection[Row] | None = None) -> Iterable[Row]:
        """The table's rows (columns in `table.columns` order): all, or those of `keys` that
        exist."""

    @abstractmethod
    def touched(self, table: Table) -> set[Row]:
        """The keys written or deleted since the last call (the set is handed over)."""

    def encoded(self, table: Table) -> Encoding | None:
        """All the table's rows as binary COPY data (`copy_binary.py`, header and trailer
        included), if the replica holds them so; None: `rows` are copied."""
        return None

    def prepare(self) -> None:
        """Work towards its rows that may be done ahead (a split replay's processes finishing
        their parts meanwhile): none by default."""
        return

    def export(self) -> object:
        """The replica's state, picklable, for another process's replica to `absorb` (a
        replay split by stream: `replay_parts.py`); one that cannot raises, and is rebuilt with
        `processes=1`."""
        raise NotImplementedError

    def absorb(self, exported: object) -> None:
        """Take in what another replica of other streams `export`ed: counts add up, the rows
        kept per stream are added."""
        raise NotImplementedError


def _q(name: str) -> str:
    return f'"{name}"'


class Stage:
    """Temporary tables of one session holding the rebuilt rows, and the swap into the live
    tables (`{s}`) that writes only what differs."""

    def __init__(self, conn: Connection, schema: str, tables: Sequence[Table]) -> None:
        self._conn = conn
        self._schema = schema
        self._tables = tables

    def _sql(self, statement: str) -> str:
        return in_schema(statement, self._schema)

    async def create(self) -> None:
        await self.drop()
        for t in self._tables:
            stage, keys = _q(f"stage_{t.name}"), ", ".join(map(_q, t.key))
            # the table's columns only: a live column filled by its default (an outbox's
            # position) is not staged
            await self._conn.execute(
                self._sql(
                    f"CREATE TEMP TABLE {stage} AS SELECT {_cols('l', t.columns)}"  # noqa: S608
                    f" FROM {{s}}.{_q(t.name)} l LIMIT 0"
                )
            )
            await self._conn.execute(
                f"CREATE TEMP TABLE {_q(f'stage_keys_{t.name}')}"  # noqa: S608
                f" AS SELECT {keys} FROM {stage} LIMIT 0"
            )
        await self._conn.execute(
            "CREATE TEMP TABLE stage_positions"
            " (projection text, stream_id uuid NOT NULL, version bigint NOT NULL)"
        )
        await self._conn.execute("CREATE TEMP TABLE stage_keys_positions (stream_id uuid)")

    async def drop(self) -> None:
        names = [f"stage_{t.name}" for t in self._tables] + [
            f"stage_keys_{t.name}" for t in self._tables
        ]
        for name in [*names, "stage_positions", "stage_keys_positions"]:
            await self._conn.execute(f"DROP TABLE IF EXISTS pg_temp.{_q(name)}")

    async def fill(
        self, replica: Replica, versions: dict[UUID, int], positions: Encoding | None = None
    ) -> None:
        """Stage the replica's rows and the `versions` (or the same `positions`, encoded:
        `positions_encoded.py`)."""
        for t in self._tables:
            encoded = replica.encoded(t)
            if encoded is not None:
                await self._copy_encoded(f"stage_{t.name}", t.columns, encoded, "pg_temp")
            else:
                await self._copy(f"stage_{t.name}", t.columns, replica.rows(t))
        if positions is not None:
            await self._copy_encoded("stage_positions", POSITION_COLUMNS, positions, "pg_temp")
        else:
            await self._copy("stage_positions", ("stream_id", "version"), _in_order(versions))
        for name in [*(f"stage_{t.name}" for t in self._tables), "stage_positions"]:
            await self._conn.execute(f"ANALYZE pg_temp.{_q(name)}")

    async def refresh(
        self, replica: Replica, moved_streams: Iterable[UUID], versions: dict[UUID, int]
    ) -> None:
        """Restage the rows the last replay touched (inside the swap's transaction)."""
        for t in self._tables:
            keys = replica.touched(t)
            if keys:
                await self._restage(t.name, t.key, t.columns, keys, replica.rows(t, keys))
        moved = [(s,) for s in moved_streams]
        if moved:
            rows = [(s, versions[s]) for (s,) in moved]
            await self._restage("positions", ("stream_id",), ("stream_id", "version"), moved, rows)

    async def _restage(
        self,
        name: str,
        key: tuple[str, ...],
        columns: tuple[str, ...],
        keys: Iterable[Row],
        rows: Iterable[Row],
    ) -> None:
        stage, stage_keys = _q(f"stage_{name}"), _q(f"stage_keys_{name}")
        await self._conn.execute(f"TRUNCATE {stage_keys}")
        await self._copy(f"stage_keys_{name}", key, keys)
        await self._conn.execute(
            f"DELETE FROM {stage} s USING {stage_keys} k WHERE {_same(key, 's', 'k')}"  # noqa: S608
        )
        await self._copy(f"stage_{name}", columns, rows)

    async def swap(self, projection: str) -> None:
        """Make the live tables and positions what the stage holds (inside the transaction)."""
        for t in self._tables:
            live, stage = f"{{s}}.{_q(t.name)}", _q(f"stage_{t.name}")
            await self._conn.execute(self._sql(_delete_missing(live, stage, t.key)))
            await self._conn.execute(self._sql(_upsert(live, stage, t)))
        await self._conn.execute(
            self._sql(
                "DELETE FROM {s}.projection_positions p WHERE p.projection = $1 AND NOT EXISTS"
                " (SELECT FROM stage_positions s WHERE s.stream_id = p.stream_id)"
            ),
            projection,
        )
        await self._conn.execute(
            self._sql(
                "INSERT INTO {s}.projection_positions AS p (projection, stream_id, version)"
                " SELECT $1, s.stream_id, s.version FROM stage_positions s"
                " LEFT JOIN {s}.projection_positions l"
                " ON l.projection = $1 AND l.stream_id = s.stream_id"
                " WHERE l.version IS DISTINCT FROM s.version"
                " ON CONFLICT (projection, stream_id) DO UPDATE SET version = excluded.version"
            ),
            projection,
        )

    async def live_is_empty(self, projection: str) -> bool:
        """Whether the live tables hold no row and the projection no position (a first
        build: nothing was ever applied)."""
        tables = [f"SELECT FROM {{s}}.{_q(t.name)}" for t in self._tables]
        positions = "SELECT FROM {s}.projection_positions WHERE projection = $1"
        exists = " OR ".join(f"EXISTS ({q})" for q in [*tables, positions])
        return not await self._conn.fetchval(self._sql(f"SELECT {exists}"), projection)

    async def load_live(
        self,
        replica: Replica,
        versions: dict[UUID, int],
        projection: str,
        positions: Encoding | None = None,
    ) -> None:
        """Copy the replica straight into the live tables, empty (inside the transaction that
        found them so, under the projection's lock): one COPY per table, its rows made as
        they are sent, so that the server stores them on its core while this one makes the
        next (a COPY per 100,000 rows left each side waiting for the other)."""
        for t in self._tables:
            encoded = replica.encoded(t)
            if encoded is not None:
                await self._copy_encoded(t.name, t.columns, encoded, self._schema)
            else:
                await self._copy_all(t.name, t.columns, replica.rows(t), self._schema)
        if positions is not None:
            await self._copy_encoded(
                "projection_positions", POSITION_COLUMNS, positions, self._schema
            )
            return
        rows = ((projection, *position) for position in _in_order(versions))
        await self._copy_all("projection_positions", POSITION_COLUMNS, rows, self._schema)

    async def _copy(
        self, table: str, columns: tuple[str, ...], rows: Iterable[Row], schema: str = "pg_temp"
    ) -> None:
        source = iter(rows)
        while batch := list(itertools.islice(source, _COPY_ROWS)):
            await self._copy_all(table, columns, batch, schema)

    async def _copy_all(
        self, table: str, columns: tuple[str, ...], rows: Iterable[Row], schema: str
    ) -> None:
        await self._conn.copy_records_to_table(
            table, records=rows, columns=list(columns), schema_name=schema
        )

    async def _copy_encoded(
        self,
        table: str,
        columns: tuple[str, ...],
        data: Encoding,
        schema: str,
    ) -> None:
        async def pieces() -> AsyncIterator[bytes]:
            for piece in chunked(data):
                yield cast(bytes, piece)  # a memoryview is sent as it is, not copied first

        await self._conn.copy_to_table(
            table, source=pieces(), columns=list(columns), schema_name=schema, format="binary"
        )


def _in_order(versions: dict[UUID, int]) -> Iterable[Row]:
    """The positions in their key's order: an index filled from one end takes a COPY of a
    million of them in half the time, measured (the ids alone are sorted: comparing them is
    done in C, comparing tuples of them is not; looking each up again in that order cost
    more than the sort)."""
    return sorted(versions.items(), key=itemgetter(0))


def _same(columns: Sequence[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{_q(c)} = {right}.{_q(c)}" for c in columns)


def _delete_missing(live: str, stage: str, key: Sequence[str]) -> str:
    return (
        f"DELETE FROM {live} l WHERE NOT EXISTS"  # noqa: S608
        f" (SELECT FROM {stage} s WHERE {_same(key, 's', 'l')})"
    )


def _differing(live: str, stage: str, t: Table) -> str:
    """The staged rows that are not in the live table as they are: one hash join, where an
    upsert of every row would probe the live table's index once per row."""
    differ = " OR ".join(
        [f"l.{_q(t.key[0])} IS NULL"]
        + (
            [f"({_cols('l', t.values)}) IS DISTINCT FROM ({_cols('s', t.values)})"]
            if t.values
            else []
        )
    )
    return (
        f"SELECT {_cols('s', t.columns)} FROM {stage} s"  # noqa: S608
        f" LEFT JOIN {live} l ON {_same(t.key, 's', 'l')} WHERE {differ}"
        + (f" ORDER BY {_cols('s', t.order)}" if t.order else "")
    )


def _cols(alias: str, columns: Sequence[str]) -> str:
    return ", ".join(f"{alias}.{_q(c)}" for c in columns)


def _upsert(live: str, stage: str, t: Table) -> str:
    head = (
        f"INSERT INTO {live} AS l ({', '.join(map(_q, t.columns))})"
        f" {_differing(live, stage, t)} ON CONFLICT ({', '.join(map(_q, t.key))})"
    )
    if not t.values:
        return head + " DO NOTHING"
    sets = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in t.values)
    return f"{head} DO UPDATE SET {sets}"
