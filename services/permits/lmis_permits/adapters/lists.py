"""The employer list and the demand list, read from the `employers` and `demands` rows the
command path writes with each append (`projection.py`). Filters, sort and keyset paging are
the platform's (`lmis_shared.listing`), as in the worker and loan lists; names are searched
folded (`lmis_shared.text.search_key`: "duc hoa" finds "Đức Hòa").
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from lmis_permits.application.ports import (
    DemandListRow,
    DemandQuery,
    EmployerListRow,
    EmployerQuery,
    ListPage,
)
from lmis_shared import listing
from lmis_shared.contracts.permits import PositionType
from lmis_shared.listing import SortOrder, Where
from lmis_shared.rows import from_row
from lmis_shared.text import like_word_prefix, search_key

EMPLOYER_SORTS = {"registered_on": "registered_on", "name": "search_name"}
EMPLOYER_DEFAULT_SORT = "-registered_on"
DEMAND_SORTS = {
    "submitted_on": "coalesce(submitted_on, date '0001-01-01')",
    "period_start": "period_start",
    "number_of_foreigners": "number_of_foreigners",
    "approved_number": "coalesce(approved_number, -1)",
}
DEMAND_DEFAULT_SORT = "-submitted_on"
_DATES = {"registered_on", "submitted_on", "period_start"}
_TEXTS = {"name"}


class PostgresPermitLists:
    """Implements the application's `PermitLists` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def employers(self, q: EmployerQuery) -> ListPage[EmployerListRow]:
        order = listing.parse_sort(q.sort, EMPLOYER_SORTS, EMPLOYER_DEFAULT_SORT)
        w = Where()
        w.in_area(q.scope, q.province_code, q.commune_code)
        if q.sector is not None:
            w.add("search_sector = ?", search_key(q.sector))
        for word in search_key(q.industrial_zone or "").split():
            w.add("search_zone like ?", like_word_prefix(word))
        if q.text is not None and q.text.strip().isdigit():
            w.add("tax_code like ?", q.text.strip() + "%")
        else:
            for word in search_key(q.text or "").split():
                w.add("search_name like ?", like_word_prefix(word))
        rows, cursor = await self._page("employers", w, order, q.cursor, q.limit)
        return ListPage([_employer(r) for r in rows], cursor)

    async def demands(self, q: DemandQuery) -> ListPage[DemandListRow]:
        order = listing.parse_sort(q.sort, DEMAND_SORTS, DEMAND_DEFAULT_SORT)
        w = Where()
        w.in_area(q.scope, q.province_code, q.commune_code)
        if q.statuses:
            w.add("status = any(?::text[])", list(q.statuses))
        w.equal(
            {
                "position": q.position.value if q.position else None,
                "employer_tax_code": q.employer_tax_code,
            }
        )
        if q.period_from is not None:
            w.add("period_end >= ?", q.period_from)
        if q.period_to is not None:
            w.add("period_start <= ?", q.period_to)
        rows, cursor = await self._page("demands", w, order, q.cursor, q.limit)
        return ListPage([_demand(r) for r in rows], cursor)

    async def _page(
        self, table: str, w: Where, order: SortOrder, cursor: str | None, limit: int
    ) -> tuple[list[asyncpg.Record], str | None]:
        if cursor is not None:
            last, _ = listing.read_page_cursor(cursor, order, _parser(order.key))
            w.after(order, "id", last)
        return await listing.fetch_page(self._pool, self._schema, table, "*", w, order, "id", limit)


def _parser(key: str) -> Any:
    if key in _DATES:
        return date.fromisoformat
    return str if key in _TEXTS else int


def _employer(row: asyncpg.Record) -> EmployerListRow:
    return from_row(EmployerListRow, row)


def _demand(row: asyncpg.Record) -> DemandListRow:
    return from_row(DemandListRow, row, position=PositionType(row["position"]))
