"""Each province's high-income, stable markets, as data (`high_income_markets`).

The row with `province_code = ''` is the list the plans name (Directive 20-CT/TW as Lai Châu's
programme 29-CTr/TU quotes it: Japan, Korea, Taiwan, Singapore, Australia, Germany, Romania),
used for a province that has not configured its own; a province's own rows replace it whole.
Countries are ISO 3166-1 alpha-2 codes, as in the contract events.
"""

from __future__ import annotations

import asyncpg

from lmis_shared.migrations import Migration, apply_migrations
from lmis_shared.sql import in_schema

MIGRATIONS = [
    Migration(
        "markets/0001_high_income_markets.sql",
        """
CREATE TABLE high_income_markets (
    province_code text NOT NULL,
    country_code text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
    PRIMARY KEY (province_code, country_code)
);
INSERT INTO high_income_markets (province_code, country_code)
SELECT province, country
FROM unnest(ARRAY['', '12']) AS p(province),
     unnest(ARRAY['JP', 'KR', 'TW', 'SG', 'AU', 'DE', 'RO']) AS c(country)
ON CONFLICT DO NOTHING;
""",
    )
]

_LIST = """
    SELECT country_code FROM {s}.high_income_markets WHERE province_code = $1
    UNION ALL
    SELECT country_code FROM {s}.high_income_markets
    WHERE province_code = ''
      AND NOT EXISTS (SELECT 1 FROM {s}.high_income_markets WHERE province_code = $1)"""


async def migrate(pool: asyncpg.Pool, schema: str) -> list[str]:
    return await apply_migrations(pool, schema, MIGRATIONS)


class PostgresMarkets:
    """Implements the application's `MarketReader` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def high_income(self, province_code: str) -> frozenset[str]:
        rows = await self._pool.fetch(in_schema(_LIST, self._schema), province_code)
        return frozenset(r["country_code"] for r in rows)
