"""The loan list's read model `loan_list`: written with each append, read by `GET /v1/loans`.

Each loan command's transaction upserts the loan's row from its new state (never back to an
older version). Arrears are not stored, since they move with the calendar: the row keeps the
current schedule as due dates with the amount due through each, and what was paid towards it,
and a query works out, as of its day D (the rule of `domain/loans/position.py`):
    amount overdue = (due through the last instalment due before D) - paid, at least 0
    days overdue   = D - the due date of the oldest instalment not paid in full, if before D
Only a running loan (disbursed, repaying, restructured) has an unpaid instalment at all.

Pages are ordered by the sort asked for, then by id; the cursor carries the day, the sort and
the last row's key (`lmis_shared.listing`), so the pages of one listing are computed for the
same day and in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import accumulate
from typing import Any
from uuid import UUID

import asyncpg

from lmis_registry.application.ports import LoanPage, LoanSearch, LoanSummary
from lmis_registry.domain import loans
from lmis_registry.domain.loans import schedule as sched
from lmis_registry.domain.loans.state import RUNNING
from lmis_shared import listing
from lmis_shared.commands import Change, RowsAfterAppend
from lmis_shared.contracts.registry_loans import LoanPurpose
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.listing import SortOrder, Where
from lmis_shared.rows import from_row
from lmis_shared.sql import in_schema, versioned_upsert

COLUMNS = (
    "loan_id",
    "version",
    "status",
    "purpose",
    "worker_id",
    "commune_code",
    "province_code",
    "applied_on",
    "amount_vnd",
    "disbursed_on",
    "outstanding_vnd",
    "paid_vnd",
    "due_dates",
    "due_through_vnd",
    "first_unpaid_due_on",
)
_UPSERT = versioned_upsert("loan_list", COLUMNS)
REBUILT_UPSERT = versioned_upsert("loan_list", COLUMNS, same_version=True)
"""A rebuild's write: the same version again, never an older one over a newer one."""

# The arrears as of the day bound at {d}: constant expressions, the day a bind parameter.
_OVERDUE = (
    "(case when first_unpaid_due_on < {d} then greatest(0, (select max(u.t) from"
    " unnest(due_dates, due_through_vnd) as u(d, t) where u.d < {d}) - paid_vnd) else 0 end)"
)
_DAYS = "(case when first_unpaid_due_on < {d} then {d} - first_unpaid_due_on else 0 end)"

SORTS = {
    "applied_on": "applied_on",
    "amount": "amount_vnd",
    "outstanding": "outstanding_vnd",
    "overdue_amount": _OVERDUE,
    "days_past_due": _DAYS,
}
DEFAULT_SORT = "-applied_on"


def row_of(loan: loans.Loan) -> tuple[Any, ...]:
    """The loan's `loan_list` row, in `COLUMNS` order."""
    running = loan.status in RUNNING
    allocations = loan.allocations() if running else ()
    unpaid = [a for a in allocations if a.unpaid_vnd > 0]
    amount = loan.disbursement.amount_vnd if loan.disbursement else None
    return (
        loan.id,
        loan.version,
        loan.status.value,
        loan.purpose.value,
        loan.worker_id,
        loan.commune_code,
        loan.province_code,
        loan.applied_on,
        amount or loan.approved_amount_vnd or loan.applied_amount_vnd,
        loan.disbursement.disbursed_on if loan.disbursement else None,
        sched.principal_vnd(loan.schedule) - sched.principal_paid_vnd(allocations)
        if running
        else 0,
        loan.paid_on_schedule_vnd,
        [i.due_on for i in loan.schedule],
        list(accumulate(i.amount_vnd for i in loan.schedule)),
        unpaid[0].instalment.due_on if unpaid else None,
    )


async def upsert(conn: Connection, schema: str, states: Sequence[loans.Loan]) -> None:
    if states:
        await conn.executemany(in_schema(_UPSERT, schema), [row_of(s) for s in states])


class LoanReadModel(RowsAfterAppend[loans.Loan]):
    """`ReadModel[Loan]`: the loan's `loan_list` row, in the append's transaction."""

    async def apply(self, connection: Connection, change: Change[loans.Loan]) -> None:
        await upsert(connection, self._schema, [change.after])


class PostgresLoanList:
    """Implements the application's `LoanListing` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def search(self, query: LoanSearch) -> LoanPage:
        order = listing.parse_sort(query.sort, SORTS, DEFAULT_SORT)
        as_of, last = _position(query, order)
        w = Where()
        day = w.param(as_of) + "::date"
        order = SortOrder(order.key, order.expression.replace("{d}", day), order.descending)
        overdue, days = _OVERDUE.replace("{d}", day), _DAYS.replace("{d}", day)
        _filter(w, query, overdue, days)
        w.after(order, "loan_id", last)
        columns = f"*, {overdue} as overdue_amount_vnd, {days} as days_past_due"
        rows, cursor = await listing.fetch_page(
            self._pool, self._schema, "loan_list", columns, w, order, "loan_id", query.limit, as_of
        )
        items = [_summary(r) for r in rows]
        return LoanPage(items, cursor, as_of)


def _position(query: LoanSearch, order: SortOrder) -> tuple[date, tuple[Any, UUID] | None]:
    """The day and the last key of the previous page: the cursor's, or today and none."""
    if query.cursor is None:
        return query.as_of, None
    parse = date.fromisoformat if order.key == "applied_on" else int
    last, (as_of,) = listing.read_page_cursor(query.cursor, order, parse, extra=1)
    try:
        return date.fromisoformat(as_of), last
    except (TypeError, ValueError):
        raise listing.cursor_error() from None


def _filter(w: Where, q: LoanSearch, overdue: str, days: str) -> None:
    w.in_area(q.scope, q.province_code, q.commune_code)
    if q.statuses:
        w.add("status = any(?::text[])", [s.value for s in q.statuses])
    w.equal({"purpose": q.purpose.value if q.purpose else None, "worker_id": q.worker_id})
    if q.overdue is not None:
        w.add(f"{overdue} {'>' if q.overdue else '='} 0")
    if q.overdue_amount_min is not None:
        w.add(f"{overdue} >= ?", q.overdue_amount_min)
    if q.days_past_due_min is not None:
        w.add(f"{days} >= ?", q.days_past_due_min)
    if q.applied_from is not None:
        w.add("applied_on >= ?", q.applied_from)
    if q.applied_to is not None:
        w.add("applied_on <= ?", q.applied_to)


def _summary(row: asyncpg.Record) -> LoanSummary:
    return from_row(
        LoanSummary,
        row,
        id=row["loan_id"],
        status=loans.LoanStatus(row["status"]),
        purpose=LoanPurpose(row["purpose"]),
        overdue_since=row["first_unpaid_due_on"] if row["days_past_due"] else None,
    )
