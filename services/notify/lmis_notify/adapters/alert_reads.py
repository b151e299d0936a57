"""The alert list, read from the `alerts` read model (no lock: readers never wait)."""

from __future__ import annotations

import asyncpg

from lmis_notify.adapters._alert_sql import alert_from_row
from lmis_notify.application.ports import AlertQuery
from lmis_notify.domain.alerts import Alert
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.sql import in_schema

# $3: rules seen in every unit; otherwise the alert's commune or province must be the
# caller's scope, the SQL form of `unit_in_scope` (alerts carry both codes).
_LIST = """
    SELECT * FROM {s}.alerts
    WHERE rule = ANY($1::text[])
      AND ($2::text IS NULL OR status = $2)
      AND (rule = ANY($3::text[]) OR unit_code = $4 OR province_code = $4)
      AND ($5::text IS NULL OR unit_code = $5 OR province_code = $5)
      AND ($6::timestamptz IS NULL OR (raised_at, id) < ($6, $7::uuid))
      AND ($9::uuid IS NULL OR subject_id = $9)
    ORDER BY raised_at DESC, id DESC
    LIMIT $8"""


_OPEN_BY_RULE = (
    "SELECT rule, count(*) AS open FROM {s}.alerts WHERE resolved_at IS NULL GROUP BY rule"
)


class PostgresAlertReads:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._statement = in_schema(_LIST, schema)
        self._open_by_rule = in_schema(_OPEN_BY_RULE, schema)

    async def open_by_rule(self) -> dict[AlertRule, int]:
        rows = await self._pool.fetch(self._open_by_rule)
        return {AlertRule(row["rule"]): row["open"] for row in rows}

    async def list(self, query: AlertQuery) -> list[Alert]:
        after_at, after_id = query.after or (None, None)
        rows = await self._pool.fetch(
            self._statement,
            [r.value for r in query.rules],
            query.status.value if query.status else None,
            [r.value for r in query.anywhere],
            query.scope,
            query.unit,
            after_at,
            after_id,
            query.limit,
            query.subject,
        )
        return [alert_from_row(row) for row in rows]
