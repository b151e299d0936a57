"""`GET /v1/employers` and `GET /v1/demands`: the employer and demand lists, filtered, sorted
and paged like the worker and loan lists, as JSON or (`?format=xlsx`, or the `Accept` header)
an Excel workbook of every matching row. Their parameters are the URLs other pages link to:

    /v1/employers?commune=&province=&sector=&industrial_zone=&q=&sort=&cursor=&limit=&format=
    /v1/demands?status=&position=&employer=&commune=&province=&period=&sort=&cursor=&limit=&format=

An employer and its demands are an enterprise's, not a person's: no access record is kept.
"""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lmis_permits.application.lists import EmployerAndDemandLists
from lmis_permits.application.ports import (
    DemandListRow,
    DemandQuery,
    EmployerListRow,
    EmployerQuery,
    ListPage,
)
from lmis_shared.auth import Principal
from lmis_shared.commands import CommandContext
from lmis_shared.contracts.permits import PositionType
from lmis_shared.errors import InvalidInput
from lmis_shared.web import PROBLEM_RESPONSES, Context
from lmis_shared.web.xlsx import DAY, XLSX, Column, Format, Sheet, every_row, wants_xlsx
from lmis_shared.web.xlsx import xlsx_response as workbook

router = APIRouter(prefix="/v1")
Q = TypeVar("Q", EmployerQuery, DemandQuery)
EXPORT_PAGE = 500
_SORT = "`-` first for descending; ties by id."
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}}, "description": "the page, or the workbook"},
    403: PROBLEM_RESPONSES[403],
}
_NOT_IN_SHEET = {"cursor", "limit", "format"}


class _Listed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commune: str | None = Field(None, pattern=r"^\d{5}$", examples=["27937"])
    province: str | None = Field(None, pattern=r"^\d{2}$", examples=["80"])
    cursor: str | None = Field(None, max_length=300)
    limit: int = Field(50, ge=1, le=200)
    format: Format | None = Field(None, description="`xlsx`: a workbook of every matching row")

    def asked(self) -> dict[str, Any]:
        return self.model_dump(exclude_defaults=True, exclude=_NOT_IN_SHEET)


class EmployerFilters(_Listed):
    sector: str | None = Field(None, max_length=100, description="the whole sector, any case")
    industrial_zone: str | None = Field(
        None, max_length=200, description="words of its name, with or without diacritics"
    )
    q: str | None = Field(
        None, max_length=200, description="words of the name (any diacritics) or a tax code"
    )
    sort: str | None = Field(None, max_length=30, description="`registered_on`, `name`. " + _SORT)

    def query(self) -> EmployerQuery:
        return EmployerQuery(
            province_code=self.province,
            commune_code=self.commune,
            sector=self.sector,
            industrial_zone=self.industrial_zone,
            text=self.q,
            sort=self.sort,
            cursor=self.cursor,
            limit=self.limit,
        )


class DemandFilters(_Listed):
    status: list[Literal["submitted", "approved", "rejected"]] = Field(
        [], description="repeat for several"
    )
    position: PositionType | None = None
    employer: str | None = Field(None, pattern=r"^\d{10}(-\d{3})?$", description="tax code")
    period: str | None = Field(
        None,
        # year 0000 is no date (a 500 before, found fuzzing the running platform)
        pattern=r"^[1-9]\d{3}(-(0[1-9]|1[0-2]))?$",
        description="a year (`2026`) or month (`2026-03`): demands employing in it",
        examples=["2026"],
    )
    sort: str | None = Field(
        None,
        max_length=30,
        description="`submitted_on`, `period_start`, `number_of_foreigners`, "
        "`approved_number`. " + _SORT,
    )

    def query(self) -> DemandQuery:
        first, last = _period(self.period) if self.period else (None, None)
        return DemandQuery(
            statuses=tuple(self.status),
            position=self.position,
            employer_tax_code=self.employer,
            province_code=self.province,
            commune_code=self.commune,
            period_from=first,
            period_to=last,
            sort=self.sort,
            cursor=self.cursor,
            limit=self.limit,
        )


def _period(text: str) -> tuple[date, date]:
    year, _, month = text.partition("-")
    if not month:
        return date(int(year), 1, 1), date(int(year), 12, 31)
    first = date(int(year), int(month), 1)
    # the month's own length, not "the day before next month": 9999-12 has no next month
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


class EmployerList(BaseModel):
    items: list[EmployerListRow]
    next_cursor: str | None
    """Pass as `cursor` (same filters and sort) for the next page; null on the last."""


class DemandList(BaseModel):
    items: list[DemandListRow]
    next_cursor: str | None
    """Pass as `cursor` (same filters and sort) for the next page; null on the last."""


EMPLOYER_COLUMNS: list[Column[EmployerListRow]] = [
    Column("Mã số thuế", lambda e: e.tax_code),
    Column("Tên doanh nghiệp", lambda e: e.name),
    Column("Địa chỉ", lambda e: e.address),
    Column("Mã xã", lambda e: e.commune_code),
    Column("Mã tỉnh", lambda e: e.province_code),
    Column("Khu công nghiệp", lambda e: e.industrial_zone),
    Column("Ngành nghề", lambda e: e.sector),
    Column("Ngày đăng ký", lambda e: e.registered_on, DAY),
]
DEMAND_COLUMNS: list[Column[DemandListRow]] = [
    Column("Mã nhu cầu", lambda d: d.id),
    Column("Trạng thái", lambda d: d.status),
    Column("Mã số thuế", lambda d: d.employer_tax_code),
    Column("Mã xã", lambda d: d.commune_code),
    Column("Vị trí công việc", lambda d: d.position.value),
    Column("Chức danh", lambda d: d.job_title),
    Column("Số người đề nghị", lambda d: d.number_of_foreigners, "0"),
    Column("Số người được chấp thuận", lambda d: d.approved_number, "0"),
    Column("Từ ngày", lambda d: d.period_start, DAY),
    Column("Đến ngày", lambda d: d.period_end, DAY),
    Column("Ngày nộp", lambda d: d.submitted_on, DAY),
    Column("Số văn bản chấp thuận", lambda d: d.decision_number),
    Column("Ngày văn bản", lambda d: d.decision_date, DAY),
]


def _lists(request: Request) -> EmployerAndDemandLists:
    lists: EmployerAndDemandLists | None = request.app.state.permits.lists
    assert lists is not None, "bootstrap builds the lists"
    return lists


Lists = Annotated[EmployerAndDemandLists, Depends(_lists)]


@router.get(
    "/employers",
    response_model=EmployerList,
    tags=["employers"],
    summary="List employers (doanh nghiệp)",
    description="The employers the caller may read (a commune officer: those working in its "
    "commune), newest registration first unless `sort` says otherwise, filtered by every "
    "parameter given; `q` matches words of the name with or without diacritics.",
    responses=_RESPONSES,
    openapi_extra={
        "x-examples": [
            "/v1/employers?province=80&industrial_zone=duc%20hoa",
            "/v1/employers?sector=electronics%20manufacturing&sort=name&format=xlsx",
        ]
    },
)
async def list_employers(
    request: Request, filters: Annotated[EmployerFilters, Query()], ctx: Context, lists: Lists
) -> Response:
    sheet = Sheet("Danh sách doanh nghiệp", "doanh-nghiep", filters.asked(), lists.now())
    return await _answer(
        request, filters, filters.query(), lists.employers, ctx, sheet, EMPLOYER_COLUMNS
    )


@router.get(
    "/demands",
    response_model=DemandList,
    tags=["demand approvals"],
    summary="List demand approvals (nhu cầu sử dụng lao động nước ngoài)",
    description="The demands the caller may read (scope: the employer's work location), the "
    "latest submitted first unless `sort` says otherwise, filtered by every parameter given; "
    "`period` keeps the demands whose period of employment overlaps the year or month.",
    responses=_RESPONSES,
    openapi_extra={
        "x-examples": [
            "/v1/demands?status=submitted&province=80",
            "/v1/demands?employer=1101234567&period=2026&sort=-number_of_foreigners",
            "/v1/demands?position=expert&status=approved&format=xlsx",
        ]
    },
)
async def list_demands(
    request: Request, filters: Annotated[DemandFilters, Query()], ctx: Context, lists: Lists
) -> Response:
    sheet = Sheet("Danh sách nhu cầu lao động", "nhu-cau", filters.asked(), lists.now())
    return await _answer(
        request, filters, filters.query(), lists.demands, ctx, sheet, DEMAND_COLUMNS
    )


async def _answer(
    request: Request,
    filters: _Listed,
    query: Q,
    search: Callable[[Q, Principal], Awaitable[ListPage[Any]]],
    ctx: CommandContext,
    sheet: Sheet,
    columns: list[Column[Any]],
) -> Response:
    """The page as JSON, or every page as a workbook."""
    if not wants_xlsx(request, filters.format):
        found = await search(query, ctx.principal)
        body = {"items": found.items, "next_cursor": found.next_cursor}
        return JSONResponse(jsonable_encoder(body))

    async def rows(cursor: str | None) -> tuple[list[Any], str | None]:
        found = await search(replace(query, cursor=cursor, limit=EXPORT_PAGE), ctx.principal)
        return found.items, found.next_cursor

    response, _ = await workbook(sheet, columns, every_row(rows))
    return response


def query_field(name: str, check: Callable[[str], str], value: str | None) -> str | None:
    """A list's query parameter `check`ed; a refusal is a 422 naming `query.<name>`."""
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as refused:
        raise InvalidInput(f"query.{name}", str(refused)) from None
