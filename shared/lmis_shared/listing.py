"""What every list of the platform shares: filters as numbered SQL conditions, a sort named by
the caller (`sort=-amount_overdue`), and keyset paging with an opaque cursor.

A page is ordered by one sort key and the row's id (a total order), and the cursor is those two
values of the page's last row, with anything else the next page must repeat (a list computed as
of a day carries that day, so paging does not move under the reader at midnight). Rows added or
changed while a reader pages are found once at most: a row is never shown twice, and nothing
is skipped that did not move.

    where = Where(); where.add("commune_code = ?", "03637")
    order = parse_sort(query.sort, SORTS, default="-applied_on")
    last, _ = read_page_cursor(query.cursor, order, date.fromisoformat)
    where.after(order, "loan_id", last)          # the keyset condition of the next page
    rows, next_cursor = await fetch_page(pool, schema, "loan_list", "*", where, order,
                                         "loan_id", query.limit)

Every column expression comes from the service's own constants, never from a request: the sort
parameter only picks among them, and values travel as bind parameters.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from lmis_shared.errors import InvalidInput
from lmis_shared.sql import in_schema

CURSOR_FIELD = "query.cursor"
SORT_FIELD = "query.sort"


class Where:
    """Conditions with numbered parameters, in the order they are added."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def add(self, condition: str, *values: Any) -> None:
        """`condition` has a `?` for each of `values`, in order."""
        for value in values:
            condition = condition.replace("?", self.param(value), 1)
        self.conditions.append(condition)

    def equal(self, columns: Mapping[str, Any]) -> None:
        """`column = value` for each column whose value is given (not None)."""
        for column, value in columns.items():
            if value is not None:
                self.add(f"{column} = ?", value)

    def in_area(
        self, scope: str | None, province_code: str | None, commune_code: str | None
    ) -> None:
        """Rows of the caller's `scope` (a province or commune code, None: everywhere) and of
        the province and commune asked for, on the `province_code`/`commune_code` columns every
        list keeps."""
        if scope is not None:
            self.add("(province_code = ? or commune_code = ?)", scope, scope)
        self.equal({"province_code": province_code, "commune_code": commune_code})

    def param(self, value: Any) -> str:
        """A bind parameter for `value` (for a select list or an order expression)."""
        self.args.append(value)
        return f"${len(self.args)}"

    def after(self, order: SortOrder, id_column: str, last: tuple[Any, Any] | None) -> None:
        """Only rows after `last` (the previous page's last sort value and id)."""
        if last is not None:
            compare = "<" if order.descending else ">"
            self.add(f"({order.expression}, {id_column}) {compare} (?, ?)", *last)

    def sql(self) -> str:
        return " where " + " and ".join(self.conditions) if self.conditions else ""


@dataclass(frozen=True)
class SortOrder:
    key: str
    """The name the caller gave (`applied_on`)."""
    expression: str
    """Its SQL expression, a constant of the service."""
    descending: bool

    def sql(self, id_column: str) -> str:
        direction = "desc" if self.descending else "asc"
        return f" order by {self.expression} {direction}, {id_column} {direction}"

    @property
    def name(self) -> str:
        return ("-" if self.descending else "") + self.key


def parse_sort(value: str | None, keys: Mapping[str, str], default: str) -> SortOrder:
    """`key` (ascending) or `-key` (descending), `key` one of `keys` (name → SQL expression).
    Anything else is refused naming `query.sort` (the value is not echoed)."""
    text = value or default
    descending = text.startswith("-")
    key = text.removeprefix("-")
    if key not in keys:
        raise InvalidInput(SORT_FIELD, "must be one of " + ", ".join(sorted(keys)) + " (- first)")
    return SortOrder(key, keys[key], descending)


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor holding `values` (JSON: str, int, None, dates as ISO text)."""
    raw = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The `size` values of a cursor `encode_cursor` gave out; 422 on `query.cursor` if not."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput(CURSOR_FIELD, "is not a cursor this API gave out")
    return values


def page_cursor(order: SortOrder, value: Any, row_id: Any, *extra: Any) -> str:
    """The cursor after a row: the sort it was listed in, its sort value and id, and what else
    the next page must repeat (`extra`, e.g. the day a list is computed for)."""
    return encode_cursor([order.name, value, str(row_id), *extra])


def read_page_cursor(
    cursor: str, order: SortOrder, parse: Callable[[Any], Any], extra: int = 0
) -> tuple[tuple[Any, UUID], list[Any]]:
    """The (sort value, id) a `page_cursor` holds, and its `extra` values; 422 on
    `query.cursor` if it is no such cursor, or one of the list in another order."""
    sort, value, row_id, *more = decode_cursor(cursor, 3 + extra)
    if sort != order.name:
        raise cursor_error()
    try:
        return (parse(value), UUID(row_id)), more
    except (TypeError, ValueError, AttributeError):
        raise cursor_error() from None


async def fetch_page(
    db: asyncpg.Pool | asyncpg.Connection,
    schema: str,
    table: str,
    columns: str,
    where: Where,
    order: SortOrder,
    id_column: str,
    limit: int,
    *extra: Any,
) -> tuple[list[asyncpg.Record], str | None]:
    """One page of `table` (a constant of the service, in `schema`): `columns` of the rows
    `where` keeps (with its keyset condition already added), in `order`, and the cursor of
    the next page (None on the last), which repeats `extra`."""
    sql = (
        f"select {columns}, {order.expression} as sort_value from {{s}}.{table}"  # noqa: S608
        + where.sql()
        + order.sql(id_column)
        + f" limit {where.param(limit + 1)}"  # one more than asked: is there a next page?
    )
    rows = await db.fetch(in_schema(sql, schema), *where.args)
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    return list(rows[:limit]), page_cursor(order, last["sort_value"], last[id_column], *extra)


def cursor_error() -> InvalidInput:
    """For a cursor whose values do not read back as what its list put in it."""
    return InvalidInput(CURSOR_FIELD, "is not a cursor this API gave out")
