"""Filed reports in PostgreSQL: one row per version, written in the transaction that appends
the version's event (`FilingRows`, the `ReadModel` of `PostgresStreams`), read for a report's
versions and for a period's completeness (`PostgresFilings`, the `FilingReader` port).

Rows are only ever inserted: a correction is a new version, so the table is the history the
event stream holds, in a form a status query can join with the units.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from lmis_reporting.domain.filings import FiledReport, Filing
from lmis_shared.commands import Change, RowsAfterAppend
from lmis_shared.contracts.notify import ReportRef
from lmis_shared.migrations import Migration, apply_migrations
from lmis_shared.sql import in_schema

MIGRATIONS = [
    Migration(
        "filings/0001_report_filings.sql",
        """
CREATE TABLE report_filings (
    kind text NOT NULL,
    unit_code text NOT NULL,
    period text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    hierarchy text NOT NULL CHECK (hierarchy IN ('current', 'legacy')),
    as_of timestamptz NOT NULL,
    filed_on date NOT NULL,
    due_on date NOT NULL,
    filed_by text NOT NULL,
    document_sha256 jsonb NOT NULL,
    figures jsonb NOT NULL,
    PRIMARY KEY (kind, unit_code, period, version)
);
CREATE INDEX report_filings_by_period ON report_filings (kind, period, unit_code);
""",
    )
]

_INSERT = """
    INSERT INTO {s}.report_filings (kind, unit_code, period, version, hierarchy, as_of,
        filed_on, due_on, filed_by, document_sha256, figures)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb)"""
_VERSIONS = """
    SELECT * FROM {s}.report_filings
    WHERE kind = $1 AND unit_code = $2 AND period = $3 ORDER BY version"""
_LATEST = """
    SELECT DISTINCT ON (unit_code) * FROM {s}.report_filings
    WHERE kind = $1 AND period = $2 AND unit_code = ANY($3::text[])
    ORDER BY unit_code, version DESC"""


async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
    return await apply_migrations(pool, schema, MIGRATIONS)


def _filing(row: asyncpg.Record) -> Filing:
    return Filing(
        ReportRef(kind=row["kind"], unit_code=row["unit_code"], period=row["period"]),
        row["version"],
        row["hierarchy"],
        row["as_of"],
        row["filed_on"],
        row["due_on"],
        row["filed_by"],
        json.loads(row["document_sha256"]),
        json.loads(row["figures"]),
    )


class PostgresFilings:
    """Implements the application's `FilingReader` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def versions(self, report: ReportRef) -> list[Filing]:
        query = in_schema(_VERSIONS, self._schema)
        rows = await self._pool.fetch(query, report.kind, report.unit_code, report.period)
        return [_filing(r) for r in rows]

    async def latest(self, kind: str, period: str, unit_codes: list[str]) -> dict[str, Filing]:
        rows = await self._pool.fetch(in_schema(_LATEST, self._schema), kind, period, unit_codes)
        return {r["unit_code"]: _filing(r) for r in rows}


class FilingRows(RowsAfterAppend[FiledReport]):
    """The filings' read model: the new version's row, in the append's transaction."""

    async def apply(self, connection: Any, change: Change[FiledReport]) -> None:
        f = change.after.latest
        await connection.execute(
            in_schema(_INSERT, self._schema),
            f.report.kind,
            f.report.unit_code,
            f.report.period,
            f.version,
            f.hierarchy,
            f.as_of,
            f.filed_on,
            f.due_on,
            f.filed_by,
            json.dumps(dict(f.document_sha256)),
            json.dumps(dict(f.figures)),
        )
