"""The loan list on the wire: its query parameters, its JSON page and its XLSX columns.

The parameters are the URL other pages link to (the dashboard's "loans overdue" figure is
`/v1/loans?overdue=true&commune=03637`), so their names are kept stable:

    status (repeat), purpose, province, commune, worker, overdue, overdue_amount_min,
    days_past_due_min, applied_from, applied_to, sort, cursor, limit, format
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from lmis_registry.application.ports import LoanPage, LoanSearch, LoanSummary
from lmis_registry.domain.loans import LoanStatus
from lmis_shared.contracts.registry_loans import LoanPurpose
from lmis_shared.web.xlsx import DAY, VND, Column, Format

SORT_DESCRIPTION = (
    "`applied_on`, `amount`, `outstanding`, `overdue_amount` or `days_past_due`, ascending; "
    "`-` first for descending. Default `-applied_on` (newest first), ties by id."
)


class LoanFilters(BaseModel):
    """Query parameters of `GET /v1/loans`; every filter given must hold."""

    model_config = ConfigDict(extra="forbid")

    status: list[LoanStatus] = Field([], description="repeat for several")
    purpose: LoanPurpose | None = None
    province: str | None = Field(None, pattern=r"^\d{2}$", examples=["12"])
    commune: str | None = Field(None, pattern=r"^\d{5}$", examples=["03637"])
    worker: UUID | None = Field(None, description="the borrower's worker file")
    overdue: bool | None = Field(
        None, description="true: in arrears today (an instalment past due and unpaid)"
    )
    overdue_amount_min: int | None = Field(None, ge=0, description="đồng overdue, at least")
    days_past_due_min: int | None = Field(None, ge=0, description="days since the oldest unpaid")
    applied_from: date | None = None
    applied_to: date | None = None
    sort: str | None = Field(None, max_length=30, description=SORT_DESCRIPTION)
    cursor: str | None = Field(None, max_length=300)
    limit: int = Field(50, ge=1, le=200)
    format: Format | None = Field(
        None, description="`xlsx` for an Excel workbook of every matching loan (or `Accept`)"
    )

    def search(self, today: date) -> LoanSearch:
        return LoanSearch(
            as_of=today,
            statuses=tuple(self.status),
            purpose=self.purpose,
            province_code=self.province,
            commune_code=self.commune,
            worker_id=self.worker,
            overdue=self.overdue,
            overdue_amount_min=self.overdue_amount_min,
            days_past_due_min=self.days_past_due_min,
            applied_from=self.applied_from,
            applied_to=self.applied_to,
            sort=self.sort,
            cursor=self.cursor,
            limit=self.limit,
        )

    def asked(self) -> dict[str, Any]:
        """The filters and sort as given (for the sheet's heading)."""
        return self.model_dump(exclude_defaults=True, exclude={"cursor", "limit", "format"})


class LoanList(BaseModel):
    items: list[LoanSummary]
    """`amount_vnd`: disbursed, else approved, else applied for; arrears as of `as_of`."""
    next_cursor: str | None
    """Pass as `cursor` (with the same filters and sort) for the next page; null on the last."""
    as_of: date
    """The day the arrears are computed for: a cursor keeps its first page's day."""

    @classmethod
    def of(cls, page: LoanPage) -> LoanList:
        return cls(items=page.items, next_cursor=page.next_cursor, as_of=page.as_of)


COLUMNS: list[Column[LoanSummary]] = [
    Column("Mã khoản vay", lambda s: s.id),
    Column("Trạng thái", lambda s: s.status.value),
    Column("Mục đích vay", lambda s: s.purpose.value),
    Column("Mã hồ sơ người vay", lambda s: s.worker_id),
    Column("Mã xã", lambda s: s.commune_code),
    Column("Mã tỉnh", lambda s: s.province_code),
    Column("Ngày đề nghị", lambda s: s.applied_on, DAY),
    Column("Số tiền (đồng)", lambda s: s.amount_vnd, VND),
    Column("Ngày giải ngân", lambda s: s.disbursed_on, DAY),
    Column("Dư nợ gốc (đồng)", lambda s: s.outstanding_vnd, VND),
    Column("Số tiền quá hạn (đồng)", lambda s: s.overdue_amount_vnd, VND),
    Column("Số ngày quá hạn", lambda s: s.days_past_due, "0"),
    Column("Quá hạn từ ngày", lambda s: s.overdue_since, DAY),
]
