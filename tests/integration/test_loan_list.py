"""The loan list (`GET /v1/loans`) on the real PostgreSQL, today being 2026-11-23 in Hanoi:
scope, filters, sorts, stable paging, the arrears as the loan view computes them, the XLSX
export against the JSON list, and the access record of both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from lmis_registry.adapters.rebuild import rebuild_loan_list
from lmis_shared.web.xlsx import XLSX
from tests.integration.test_loans_api import LoansApi
from tests.integration.worker_api import NOW, running_api
from tests.integration.xlsx_sheets import as_day, read_sheet
from tests.unit.test_loans_service import seed_worker

pytestmark = pytest.mark.integration

OTHER_COMMUNE = "03640"  # also in province 12


class Book(LoansApi):
    async def loan(
        self, commune: str, applied_on: str, disbursed_on: str | None, paid: int = 0
    ) -> str:
        """6,000,000 đồng over 6 months at 0 %: 1,000,000 a month from a month after payout."""
        worker = str(await seed_worker(self.store, commune=commune, at=NOW))
        body = {"worker_id": worker, "purpose": "going_abroad", "amount_vnd": 6_000_000}
        applied = await self.client.post(
            "/v1/loans", json=body | {"applied_on": applied_on}, headers=self.auth()
        )
        assert applied.status_code == 201, applied.text
        loan_id: str = applied.json()["id"]
        if disbursed_on is None:
            return loan_id
        payout = {"amount_vnd": 6_000_000, "disbursed_on": disbursed_on, "term_months": 6}
        await self.run(
            loan_id,
            ("approve", {"approved_on": applied_on}),
            ("disburse", payout | {"annual_interest_rate_bp": 0}),
        )
        if paid:
            await self.run(loan_id, ("record-repayment", {"amount_vnd": paid}))
        return loan_id

    async def listed(self, headers: dict[str, str] | None = None, **params: Any) -> list[Any]:
        """Every page of the list (following the cursors), as the items."""
        items: list[Any] = []
        cursor = None
        while True:
            answer = await self.client.get(
                "/v1/loans",
                params=params | ({"cursor": cursor} if cursor else {}),
                headers=headers or self.auth(),
            )
            assert answer.status_code == 200, answer.text
            items += answer.json()["items"]
            cursor = answer.json()["next_cursor"]
            if cursor is None:
                return items


@pytest.fixture
async def book(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[tuple[Book, dict[str, str]]]:
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool, Book) as running:
        assert isinstance(running, Book)
        loans = {
            # 5 instalments due (10 Jul..10 Nov), none paid: 5,000,000 overdue since 10 Jul
            "behind": await running.loan("03637", "2026-05-20", "2026-06-10"),
            # 2 due (10 Oct, 10 Nov), 1,500,000 paid: 500,000 overdue since 10 Nov
            "part": await running.loan("03637", "2026-08-20", "2026-09-10", paid=1_500_000),
            # 2 due, both paid
            "current": await running.loan("03637", "2026-08-25", "2026-09-10", paid=2_000_000),
            "applied": await running.loan("03637", "2026-11-20", None),
            "elsewhere": await running.loan(OTHER_COMMUNE, "2026-07-01", "2026-07-05"),
        }
        yield running, loans


async def test_a_branch_sees_its_communes_loans_and_the_province_all(
    book: tuple[Book, dict[str, str]],
) -> None:
    api, loans = book
    commune = {i["id"] for i in await api.listed(api.auth("bank", "03637"))}
    province = {i["id"] for i in await api.listed(api.auth("bank", "12"))}

    assert commune == {loans[k] for k in ("behind", "part", "current", "applied")}
    assert province == set(loans.values())
    asked_elsewhere = await api.listed(api.auth("bank", "03637"), commune=OTHER_COMMUNE)
    assert asked_elsewhere == []
    refused = await api.client.get("/v1/loans", headers=api.auth("commune_officer", "03637"))
    assert refused.status_code == 403


async def test_arrears_filters_and_sorts_agree_with_the_loan_view(
    book: tuple[Book, dict[str, str]],
) -> None:
    api, loans = book
    overdue = await api.listed(overdue="true", sort="-overdue_amount")

    assert [i["id"] for i in overdue] == [loans["behind"], loans["elsewhere"], loans["part"]]
    for item in overdue:
        view = (await api.client.get(f"/v1/loans/{item['id']}", headers=api.auth())).json()
        assert (item["overdue_amount_vnd"], item["days_past_due"], item["overdue_since"]) == (
            view["overdue_amount_vnd"],
            view["days_past_due"],
            view["overdue_since"],
        )
    behind = overdue[0]
    assert (behind["overdue_amount_vnd"], behind["overdue_since"]) == (5_000_000, "2026-07-10")
    assert overdue[2]["overdue_amount_vnd"] == 500_000
    not_overdue = {i["id"] for i in await api.listed(overdue="false")}
    assert not_overdue == {loans["current"], loans["applied"]}
    assert [i["id"] for i in await api.listed(days_past_due_min=120)] == [loans["behind"]]
    assert [i["id"] for i in await api.listed(overdue_amount_min=1_000_000, commune="03637")] == [
        loans["behind"]
    ]
    assert [i["id"] for i in await api.listed(status="applied")] == [loans["applied"]]
    newest = [i["applied_on"] for i in await api.listed()]
    assert newest == sorted(newest, reverse=True)
    by_days = [i["days_past_due"] for i in await api.listed(sort="days_past_due")]
    assert by_days == sorted(by_days)


async def test_pages_follow_each_other_without_gaps_or_repeats(
    book: tuple[Book, dict[str, str]],
) -> None:
    api, loans = book
    for sort in ("-applied_on", "overdue_amount", "-days_past_due", "amount"):
        paged = await api.listed(sort=sort, limit=2)
        whole = await api.listed(sort=sort, limit=200)
        assert [i["id"] for i in paged] == [i["id"] for i in whole], sort
        assert len(whole) == len(loans)


async def test_bad_sorts_and_cursors_are_problems_naming_the_parameter(
    book: tuple[Book, dict[str, str]],
) -> None:
    api, _ = book
    first = (await api.client.get("/v1/loans", params={"limit": 1}, headers=api.auth())).json()
    for params, field in [
        ({"sort": "full_name"}, "query.sort"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "query.cursor"),
        ({"cursor": first["next_cursor"], "sort": "amount"}, "query.cursor"),
        ({"format": "pdf"}, "query.format"),
    ]:
        answer = await api.client.get("/v1/loans", params=params, headers=api.auth())
        assert answer.status_code == 422, params
        assert field in answer.text
        assert "full_name" not in answer.json().get("detail", "")


async def test_the_xlsx_export_holds_the_json_list_with_its_filters_and_time(
    book: tuple[Book, dict[str, str]],
) -> None:
    api, loans = book
    params = {"overdue": "true", "sort": "-overdue_amount"}
    listed = await api.listed(**params)
    exported = await api.client.get(
        "/v1/loans", params=params | {"format": "xlsx"}, headers=api.auth()
    )
    by_accept = await api.client.get(
        "/v1/loans", params=params, headers=api.auth() | {"Accept": XLSX}
    )

    sheet = read_sheet(exported)
    assert sheet.title == "Danh sách khoản vay"
    assert "overdue=True" in sheet.filters
    assert "sort=-overdue_amount" in sheet.filters
    assert sheet.as_of == "10:00 23/11/2026 (giờ Việt Nam)"
    assert sheet.column("Mã khoản vay") == [i["id"] for i in listed]
    assert sheet.column("Số tiền quá hạn (đồng)") == [i["overdue_amount_vnd"] for i in listed]
    assert sheet.column("Số ngày quá hạn") == [i["days_past_due"] for i in listed]
    assert sheet.column("Quá hạn từ ngày") == [as_day(i["overdue_since"]) for i in listed]
    assert sheet.column("Ngày đề nghị") == [as_day(i["applied_on"]) for i in listed]
    assert read_sheet(by_accept).rows == sheet.rows
    actions = await api.pool.fetch(
        f'select action, subjects from "{api.schema}".access_log order by id'
    )
    exports = [r["subjects"] for r in actions if r["action"] == "export"]
    assert len(exports) == 2
    assert set(exports[0]) == {i["id"] for i in listed} | {i["worker_id"] for i in listed}
    assert loans["current"] not in exports[0]


async def test_the_lists_are_documented_with_their_parameters_and_the_workbook(
    book: tuple[Book, dict[str, str]],
) -> None:
    api, _ = book
    spec = (await api.client.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/loans"]["get"]

    names = {p["name"] for p in operation["parameters"]}
    assert {"status", "commune", "overdue", "overdue_amount_min", "days_past_due_min"} <= names
    assert {"sort", "cursor", "limit", "format"} <= names
    assert XLSX in operation["responses"]["200"]["content"]
    assert operation["x-examples"]
    assert all(p.get("description") or p["schema"] for p in operation["parameters"])


async def test_a_chunked_rebuild_puts_the_list_back_while_loan_commands_go_on(
    book: tuple[Book, dict[str, str]],
) -> None:
    api, loans = book
    before = sorted(tuple(r) for r in await api.pool.fetch(f"select * from {api.schema}.loan_list"))
    await api.pool.execute(f"update {api.schema}.loan_list set paid_vnd = 0, status = 'applied'")
    await api.pool.execute(f"delete from {api.schema}.loan_list where loan_id = $1", loans["part"])
    during: list[str] = []

    async def a_command_between_chunks() -> None:
        """No lock held between chunks: a command on a loan goes through."""
        during.append(await api.loan("03637", "2026-11-21", None))

    rebuilt = await rebuild_loan_list(
        api.pool, api.schema, chunk=2, between_chunks=a_command_between_chunks
    )

    rows = await api.pool.fetch(f"select * from {api.schema}.loan_list")
    assert len(during) >= 2
    assert rebuilt >= len(loans)
    assert {str(r["loan_id"]) for r in rows} == {*loans.values(), *during}
    kept = sorted(tuple(r) for r in rows if str(r["loan_id"]) in loans.values())
    assert kept == before
