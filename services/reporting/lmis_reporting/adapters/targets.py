"""Targets in PostgreSQL: the table, the seeds' plans loaded with it, reads, and recording a change.

`targets` holds one row per indicator, unit, year and kind (`target` or `baseline`, see
`domain/targets.py`). The seeds' figures are loaded by the migration that creates the table
(once per schema, and `ON CONFLICT DO NOTHING` besides). A target set through the API is an
event in the service's own event store (`lmis.reporting.target.set.v1`, the actor in its
metadata); `TargetRows` writes the row in the transaction that appends it
(`PostgresStreams`). The row's `version` is its stream's.

Seeded for Lai Châu (province 12, programme 29-CTr/TU of 2 March 2023):
  departed ≥ 450 a year 2023–2025 and ≥ 750 a year 2026–2030; trained for EPS 200 over
  2023–2025 and more than 1,000 over 2026–2030; more than 80 % of departures to high-income
  markets in 2030; baseline 2013–2023: 1,042 departed, 11 overstayed.
Not seeded: the Đồng Tháp district plan of 2020 ("giải quyết việc làm cho 2.600 lao động, trong
đó đưa ít nhất 100 lao động đi làm việc ... ở nước ngoài"): the plan names its province (legacy
code 87) but never its district ("Huyện" throughout, the signature block cut), and the figure
is a district's, so putting it on the province would understate the province's duty and no
district can hold it. Once the district is known it is two targets set through the API on
that legacy district for 2020: `jobs_created` ≥ 2,600 and `departed` ≥ 100. The unit of
measure is persons given a job, as the plan counts them ("lao động"): a job-creation loan
counts one job (the borrower's; VBSP's own count of jobs per loan is not recorded), a hire for
a foreign-worker position one, a departure one, and the plan's other programmes (job fairs,
the employment service centre, labour supply, vocational training, household economy) what
the communes report for them each month (the registry's job-creation reports; the plan has
its communes report "trước ngày 10 hàng tháng"), since nobody follows those placements one by
one. The target stays the district's: the communes' reports sum up to it.
"""

from __future__ import annotations

from typing import Any, cast

import asyncpg

from lmis_reporting.domain.targets import Target, TargetKind, TargetState
from lmis_reporting.domain.units import Hierarchy
from lmis_shared.commands import Change, RowsAfterAppend
from lmis_shared.contracts.reporting import TargetComparison
from lmis_shared.migrations import Migration, apply_migrations
from lmis_shared.sql import in_schema

MIGRATIONS = [
    Migration(
        "targets/0001_targets.sql",
        """
CREATE TABLE targets (
    indicator text NOT NULL,
    hierarchy text NOT NULL CHECK (hierarchy IN ('current', 'legacy')),
    unit_code text NOT NULL,
    year integer NOT NULL,
    kind text NOT NULL DEFAULT 'target' CHECK (kind IN ('target', 'baseline')),
    first_year integer NOT NULL CHECK (first_year <= year),
    value double precision NOT NULL CHECK (value >= 0),
    comparison text NOT NULL
        CHECK (comparison IN ('at_least', 'more_than', 'at_most', 'less_than')),
    source text NOT NULL,
    set_by text NOT NULL DEFAULT 'seed',
    set_at timestamptz NULL,
    version integer NOT NULL DEFAULT 0,
    PRIMARY KEY (indicator, hierarchy, unit_code, year, kind)
);
CREATE INDEX targets_by_unit ON targets (hierarchy, unit_code, year);
INSERT INTO targets (indicator, hierarchy, unit_code, year, kind, first_year, value,
                     comparison, source)
SELECT t.indicator, 'current', '12', t.year, t.kind, t.first_year, t.value, t.comparison,
       'Chương trình hành động số 29-CTr/TU ngày 02/3/2023 của Ban Thường vụ Tỉnh ủy Lai Châu'
       || ' thực hiện Chỉ thị số 20-CT/TW' || t.note
FROM (VALUES
    ('departed', 2023, 'target', 2023, 450, 'at_least', ': bình quân mỗi năm, đến năm 2025'),
    ('departed', 2024, 'target', 2024, 450, 'at_least', ': bình quân mỗi năm, đến năm 2025'),
    ('departed', 2025, 'target', 2025, 450, 'at_least', ': bình quân mỗi năm, đến năm 2025'),
    ('departed', 2026, 'target', 2026, 750, 'at_least', ': bình quân mỗi năm, đến năm 2030'),
    ('departed', 2027, 'target', 2027, 750, 'at_least', ': bình quân mỗi năm, đến năm 2030'),
    ('departed', 2028, 'target', 2028, 750, 'at_least', ': bình quân mỗi năm, đến năm 2030'),
    ('departed', 2029, 'target', 2029, 750, 'at_least', ': bình quân mỗi năm, đến năm 2030'),
    ('departed', 2030, 'target', 2030, 750, 'at_least', ': bình quân mỗi năm, đến năm 2030'),
    ('trained_for_eps', 2025, 'target', 2023, 200, 'at_least', ': đến năm 2025'),
    ('trained_for_eps', 2030, 'target', 2026, 1000, 'more_than', ': đến năm 2030'),
    ('departed_high_income_share', 2030, 'target', 2030, 0.8, 'more_than', ': đến năm 2030'),
    ('departed', 2023, 'baseline', 2013, 1042, 'at_least', ': kết quả từ năm 2013'),
    ('overstayed', 2023, 'baseline', 2013, 11, 'at_most', ': kết quả từ năm 2013')
) AS t(indicator, year, kind, first_year, value, comparison, note)
ON CONFLICT DO NOTHING;
""",
    )
]

_FIND = """
    SELECT * FROM {s}.targets
    WHERE indicator = $1 AND hierarchy = $2 AND unit_code = $3 AND year = $4 AND kind = 'target'"""
_LIST = """
    SELECT * FROM {s}.targets
    WHERE hierarchy = $1 AND unit_code = $2 AND ($3::integer IS NULL OR year = $3)
    ORDER BY indicator, year, kind"""
_UPSERT = """
    INSERT INTO {s}.targets (indicator, hierarchy, unit_code, year, kind, first_year, value,
                             comparison, source, set_by, set_at, version)
    VALUES ($1, $2, $3, $4, 'target', $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (indicator, hierarchy, unit_code, year, kind) DO UPDATE SET
        first_year = excluded.first_year, value = excluded.value,
        comparison = excluded.comparison, source = excluded.source,
        set_by = excluded.set_by, set_at = excluded.set_at, version = excluded.version"""


async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
    return await apply_migrations(pool, schema, MIGRATIONS)


def _target(row: asyncpg.Record) -> Target:
    return Target(
        indicator=row["indicator"],
        hierarchy=cast(Hierarchy, row["hierarchy"]),
        unit_code=row["unit_code"],
        year=row["year"],
        first_year=row["first_year"],
        value=row["value"],
        comparison=TargetComparison(row["comparison"]),
        source=row["source"],
        kind=cast(TargetKind, row["kind"]),
        set_by=row["set_by"],
        set_at=row["set_at"],
        version=row["version"],
    )


class PostgresTargets:
    """Implements the application's `TargetReader` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def find(
        self, indicator: str, hierarchy: Hierarchy, unit_code: str, year: int
    ) -> Target | None:
        query = in_schema(_FIND, self._schema)
        row = await self._pool.fetchrow(query, indicator, hierarchy, unit_code, year)
        return _target(row) if row else None

    async def list(self, hierarchy: Hierarchy, unit_code: str, year: int | None) -> list[Target]:
        rows = await self._pool.fetch(in_schema(_LIST, self._schema), hierarchy, unit_code, year)
        return [_target(r) for r in rows]


class TargetRows(RowsAfterAppend[TargetState]):
    """The targets' read model: a target's row follows its stream, in the append's transaction."""

    async def apply(self, connection: Any, change: Change[TargetState]) -> None:
        t = change.after.target(change.context.actor, change.context.recorded_at)
        await connection.execute(
            in_schema(_UPSERT, self._schema),
            t.indicator,
            t.hierarchy,
            t.unit_code,
            t.year,
            t.first_year,
            t.value,
            t.comparison.value,
            t.source,
            t.set_by,
            t.set_at,
            t.version,
        )
