"""Administrative units in PostgreSQL: where they come from, how they load, how they are read.

Tables (in the service's schema):
- `units`: one row per unit and hierarchy, with `sort_rank`, its place in Vietnamese order
  within the hierarchy. The order is computed in Python at load time because the embedded
  PostgreSQL has no ICU collation; a listing is then a plain `ORDER BY sort_rank`.
- `unit_ancestors`: the closure of the parent relation (each unit is its own ancestor at
  depth 0), so "everything under X" is one index range at any depth, with no recursive query.
- `unit_sources`: which version of each hierarchy's data is loaded; loading again with the
  same version does nothing, a new version replaces that hierarchy in one transaction.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from vietnam_provinces import Province, Ward
from vietnam_provinces import __data_version__ as vp_data_version
from vietnam_provinces import __version__ as vp_version

from lmis_reporting.domain.units import Hierarchy, Level, Unit, closure, unit_sort_key
from lmis_shared.migrations import Migration, apply_migrations, pending_when_checking
from lmis_shared.sql import in_schema

LEGACY_FILE = "legacy_units.json.gz"

Connection = asyncpg.Connection | PoolConnectionProxy

# Applied once per schema by the shared migration runner, with `search_path` set to it.
MIGRATIONS = [
    Migration(
        "units/0001_units.sql",
        """
CREATE TABLE units (
    hierarchy text NOT NULL CHECK (hierarchy IN ('current', 'legacy')),
    code text NOT NULL,
    name text NOT NULL,
    level text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    parent_code text NULL,
    province_code text NOT NULL,
    sort_rank integer NOT NULL,
    PRIMARY KEY (hierarchy, code)
);
CREATE INDEX units_by_parent ON units (hierarchy, parent_code, sort_rank);
CREATE TABLE unit_ancestors (
    hierarchy text NOT NULL,
    ancestor_code text NOT NULL,
    code text NOT NULL,
    depth smallint NOT NULL,
    PRIMARY KEY (hierarchy, ancestor_code, code)
);
CREATE INDEX unit_ancestors_by_code ON unit_ancestors (hierarchy, code, depth);
CREATE TABLE unit_sources (
    hierarchy text PRIMARY KEY,
    version text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
""",
    )
]

_DELETE = """
    WITH gone AS (DELETE FROM {s}.unit_ancestors WHERE hierarchy = $1)
    DELETE FROM {s}.units WHERE hierarchy = $1"""
_RECORD_SOURCE = """
    INSERT INTO {s}.unit_sources (hierarchy, version) VALUES ($1, $2)
    ON CONFLICT (hierarchy) DO UPDATE SET version = excluded.version, loaded_at = now()"""
_GET = """
    SELECT u.code, u.name, u.level, u.parent_code, u.hierarchy, u.province_code
    FROM {s}.units u WHERE u.hierarchy = $1 AND u.code = $2"""
_PROVINCES = """
    SELECT u.code, u.name, u.level, u.parent_code, u.hierarchy, u.province_code
    FROM {s}.units u WHERE u.hierarchy = $1 AND u.parent_code IS NULL ORDER BY u.sort_rank"""
_CHILDREN = """
    SELECT u.code, u.name, u.level, u.parent_code, u.hierarchy, u.province_code
    FROM {s}.units u WHERE u.hierarchy = $1 AND u.parent_code = $2 ORDER BY u.sort_rank"""
_ANCESTORS = """
    SELECT u.code, u.name, u.level, u.parent_code, u.hierarchy, u.province_code
    FROM {s}.unit_ancestors a
    JOIN {s}.units u ON u.hierarchy = a.hierarchy AND u.code = a.ancestor_code
    WHERE a.hierarchy = $1 AND a.code = $2 AND a.depth > 0 ORDER BY a.depth DESC"""
_DESCENDANTS = """
    SELECT a.code FROM {s}.unit_ancestors a
    JOIN {s}.units u ON u.hierarchy = a.hierarchy AND u.code = a.code
    WHERE a.hierarchy = $1 AND a.ancestor_code = $2 AND ($3::text IS NULL OR u.level = $3)
    ORDER BY a.code"""


@dataclass(frozen=True)
class UnitSource:
    """One hierarchy's data: a version that changes whenever the data may, and a reader."""

    hierarchy: Hierarchy
    version: str
    read: Callable[[], list[Unit]]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def current_source() -> UnitSource:
    """Since 2025-07-01, from the installed `vietnam-provinces` package."""
    version = f"vietnam-provinces {vp_version} ({vp_data_version})"
    return UnitSource("current", version, _read_current)


def _read_current() -> list[Unit]:
    units: list[Unit] = []
    for p in Province.iter_all():
        code = f"{int(p.code):02d}"
        units.append(Unit(code, _nfc(p.name), "province", None, "current", code))
    for w in Ward.iter_all():
        province = f"{int(w.province_code):02d}"
        code = f"{int(w.code):05d}"
        units.append(Unit(code, _nfc(w.name), "commune", province, "current", province))
    return units


def legacy_source() -> UnitSource:
    """Before 2025-07-01, from the file shipped in `lmis_reporting/data` (see its README)."""
    raw = (resources.files("lmis_reporting") / "data" / LEGACY_FILE).read_bytes()
    version = f"{LEGACY_FILE} sha256:{hashlib.sha256(raw).hexdigest()[:16]}"
    return UnitSource("legacy", version, lambda: _read_legacy(raw))


def _read_legacy(raw: bytes) -> list[Unit]:
    doc = json.loads(gzip.decompress(raw))
    units: list[Unit] = []
    for province, p_name, districts in doc["provinces"]:
        units.append(Unit(province, _nfc(p_name), "province", None, "legacy", province))
        for district, d_name, communes in districts:
            units.append(Unit(district, _nfc(d_name), "district", province, "legacy", province))
            units.extend(
                Unit(code, _nfc(name), "commune", district, "legacy", province)
                for code, name in communes
            )
    return units


def default_sources() -> list[UnitSource]:
    return [current_source(), legacy_source()]


async def migrate_units(
    pool: asyncpg.Pool, schema: str, sources: Sequence[UnitSource] | None = None
) -> list[Hierarchy]:
    """Create the tables and load each hierarchy whose loaded version differs; safe to repeat
    and to run from several processes at once. Returns the hierarchies it (re)loaded."""
    await apply_migrations(pool, schema, MIGRATIONS)
    loaded: list[Hierarchy] = []
    async with pool.acquire() as conn, conn.transaction():
        # A second process starting at the same time waits here, then finds the data loaded.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"{schema}.units")
        for source in sources if sources is not None else default_sources():
            if await _loaded_version(conn, schema, source.hierarchy) != source.version:
                # `lmis migrate --check`: units of another version are a migration not done
                pending_when_checking(schema, [f"units/{source.hierarchy} {source.version}"])
                await _replace(conn, schema, source)
                loaded.append(source.hierarchy)
    return loaded


async def _loaded_version(conn: Connection, schema: str, hierarchy: str) -> str | None:
    query = in_schema("SELECT version FROM {s}.unit_sources WHERE hierarchy = $1", schema)
    return cast(str | None, await conn.fetchval(query, hierarchy))


async def _replace(conn: Connection, schema: str, source: UnitSource) -> None:
    units = source.read()
    ranked = sorted(units, key=lambda u: (unit_sort_key(u.name), u.code))
    h = source.hierarchy
    await conn.execute(in_schema(_DELETE, schema), h)
    await conn.copy_records_to_table(
        "units",
        schema_name=schema,
        columns=["hierarchy", "code", "name", "level", "parent_code", "province_code", "sort_rank"],
        records=[
            (h, u.code, u.name, u.level, u.parent_code, u.province_code, rank)
            for rank, u in enumerate(ranked)
        ],
    )
    await conn.copy_records_to_table(
        "unit_ancestors",
        schema_name=schema,
        columns=["hierarchy", "ancestor_code", "code", "depth"],
        records=[(h, *pair) for pair in closure(units)],
    )
    await conn.execute(in_schema(_RECORD_SOURCE, schema), h, source.version)


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(
        code=row["code"],
        name=row["name"],
        level=cast(Level, row["level"]),
        parent_code=row["parent_code"],
        hierarchy=cast(Hierarchy, row["hierarchy"]),
        province_code=row["province_code"],
    )


class PostgresUnits:
    """Reads the unit tables; implements the application's `UnitReader` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    def _q(self, statement: str) -> str:
        return in_schema(statement, self._schema)

    async def get(self, hierarchy: Hierarchy, code: str) -> Unit | None:
        row = await self._pool.fetchrow(self._q(_GET), hierarchy, code)
        return _unit(row) if row else None

    async def children(self, hierarchy: Hierarchy, parent_code: str | None) -> list[Unit]:
        """The units directly under `parent_code` (the provinces for None), in Vietnamese order."""
        if parent_code is None:
            rows = await self._pool.fetch(self._q(_PROVINCES), hierarchy)
        else:
            rows = await self._pool.fetch(self._q(_CHILDREN), hierarchy, parent_code)
        return [_unit(r) for r in rows]

    async def ancestors(self, hierarchy: Hierarchy, code: str) -> list[Unit]:
        """The units above `code`, from its province down to its parent."""
        rows = await self._pool.fetch(self._q(_ANCESTORS), hierarchy, code)
        return [_unit(r) for r in rows]

    async def descendant_codes(
        self, hierarchy: Hierarchy, code: str, level: Level | None = "commune"
    ) -> list[str]:
        """Codes of the units under `code` (itself included) at `level`, or at any level."""
        rows = await self._pool.fetch(self._q(_DESCENDANTS), hierarchy, code, level)
        return [r["code"] for r in rows]
