"""Statutory reports over a realistic history on the real PostgreSQL: the figures equal a
straight count over the event stores (`exactness.py`), every XLSX cell with an indicator behind
it equals the indicator API for the same unit, period and date, the PDF's text carries the
Vietnamese headings and figures, and filing keeps versions and completeness.

The history is the exactness test's (a demo plan of Lai Châu through the registry's and the
permits service's HTTP apps, and the alerts notify raised over it); the reporting projection is
rebuilt from its stores into a schema of this module, and the reporting app runs at the
history's `NOW`.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
import openpyxl
import pytest
from pypdf import PdfReader

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import migrate
from lmis_reporting.domain.report_model import UNKNOWN
from lmis_reporting.domain.vietnamese import vi_number
from lmis_reporting.entrypoints.http import create_app
from lmis_reporting.settings import ReportingSettings
from lmis_shared.clock import FixedClock
from lmis_shared.contracts.notify import ReportRef
from lmis_shared.contracts.reporting import report_stream_id
from lmis_shared.processing import all_events_in
from tests.conftest import unique
from tests.integration.apps import bearer, signed_settings
from tests.integration.exactness import straight_flows, straight_stocks
from tests.integration.test_indicator_exactness import HIGH_INCOME, TODAY, History, history
from tests.integration.worker_api import NOW

pytestmark = pytest.mark.integration

__all__ = ["history"]  # the module-scoped fixture this module shares with the exactness test

YEAR = str(TODAY.year)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Reporting:
    client: httpx.AsyncClient
    headers: dict[str, str]
    """A province officer of Lai Châu."""
    private_key: Any
    pool: asyncpg.Pool
    schema: str
    history: History

    def as_officer(self, role: str, scope: str) -> dict[str, str]:
        return bearer(self.private_key, role, scope)


@pytest.fixture(scope="module")
async def reporting(history: History) -> AsyncIterator[Reporting]:
    schema = unique("t_reports")
    pool = await asyncpg.create_pool(history.database_url, min_size=1, max_size=4)
    try:
        await migrate(pool, schema)
        await IndicatorProjection(pool, schema).rebuild(
            all_events_in(pool, history.stores.values())
        )
        common, private = signed_settings(history.database_url, history.data_dir)
        app = create_app(common, ReportingSettings(schema_name=schema), clock=FixedClock(NOW))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
                headers = bearer(private, "province_officer", "12")
                yield Reporting(client, headers, private, pool, schema, history)
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await pool.close()


async def get_report(r: Reporting, path: str, **params: str) -> httpx.Response:
    answer = await r.client.get(f"/v1/reports/{path}", params=params, headers=r.headers)
    assert answer.status_code == 200, answer.text
    return answer


# -- the independent count --------------------------------------------------------------------


def straight(
    r: Reporting, indicator: str, by: str | None, months: tuple[date, date]
) -> Counter[str]:
    """`exactness.py`'s count for the province: `''` the total, else per value of `by`."""
    first, last = months
    flows = straight_flows(r.history.events)
    rows: Counter[str] = Counter()
    for (code, _commune, month, dim, value), n in flows.items():
        if code == indicator and first <= month <= last and dim == (by or ""):
            rows[value] += n
    for (code, _commune, dim, value), n in straight_stocks(
        r.history.events, TODAY, HIGH_INCOME
    ).items():
        if code == indicator and dim == (by or ""):
            rows[value] += n
    return rows


async def test_the_yearly_reports_figures_equal_a_straight_count(reporting: Reporting) -> None:
    report = (await get_report(reporting, f"yearly_department/12/{YEAR}")).json()
    year = (date(TODAY.year, 1, 1), date(TODAY.year, 12, 1))
    checked = 0
    for section in report["sections"]:
        for line in section["lines"]:
            if line["unit_of_measure"] == "ratio" or line["by"] in ("market_tier", "unit"):
                continue  # derived from counts checked here, by rules the unit tests cover
            truth = straight(reporting, line["indicator"], line["by"], year)
            total = straight(reporting, line["indicator"], None, year)[""]
            assert line["total"] == total, line["indicator"]
            for row in line["rows"]:
                expected = (
                    total - sum(truth.values()) if row["key"] == UNKNOWN else truth[row["key"]]
                )
                assert row["value"] == expected, (line["indicator"], row["key"])
            checked += 1
    assert checked >= 15
    assert any(line["total"] for s in report["sections"] for line in s["lines"])
    [alerts] = [s for s in report["sections"] if s["code"] == "alerts"]
    assert alerts["available"] is True
    by_code = {line["indicator"]: line for line in alerts["lines"]}
    assert list(by_code) == ["alerts_raised", "alerts_resolved", "alerts_open"]
    assert all(line["by"] == "rule" and line["total"] > 0 for line in alerts["lines"])
    raised, resolved = by_code["alerts_raised"]["total"], by_code["alerts_resolved"]["total"]
    assert by_code["alerts_open"]["total"] == raised - resolved  # every alert is of this year


async def test_every_xlsx_figure_equals_the_indicator_api(reporting: Reporting) -> None:
    answer = await get_report(reporting, f"yearly_department/12/{YEAR}", format="xlsx")
    assert answer.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    api: dict[tuple[str, str | None], dict[str, Any]] = {}
    cells = 0
    for row in sheet.iter_rows(min_row=1):
        key = row[3].value
        if not isinstance(key, str) or "." not in key:
            continue
        _section, indicator, rest = key.split(".", 2)
        # `total`, or `<dimension>.<value>` (dimension names have no dot; values may)
        by, _, value_key = rest.partition(".") if "." in rest else ("", "", rest)
        found = api.get((indicator, by or None))
        if found is None:
            found = api[indicator, by or None] = await indicator_api(reporting, indicator, by)
        expected = expected_cell(found, value_key)
        # a ratio goes through the XML's decimal text: equal to the last binary digit or so
        assert cell_value(sheet, row[2]) == pytest.approx(expected, rel=1e-12), key
        cells += 1
    assert cells > 30


async def indicator_api(r: Reporting, indicator: str, by: str) -> dict[str, Any]:
    params = {"unit": "12", "period": YEAR, "as_of": TODAY.isoformat()}
    if by:
        params["by"] = by
    answer = await r.client.get(f"/v1/indicators/{indicator}", params=params, headers=r.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def cell_value(sheet: Any, cell: Any) -> Any:
    """A number, or the sum a `=SUM(C10:C14)` formula stands for (openpyxl computes nothing)."""
    if isinstance(cell.value, str) and cell.value.startswith("=SUM("):
        span = cell.value.removeprefix("=SUM(").removesuffix(")")
        return sum(row[0].value or 0 for row in sheet[span])
    return cell.value


def expected_cell(found: dict[str, Any], key: str) -> Any:
    if key == "total":
        return found["value"]
    breakdown = found["breakdown"]
    if key == UNKNOWN:
        return found["value"] - sum(v or 0 for v in breakdown.values())
    return breakdown[key]


async def test_the_pdf_has_the_vietnamese_headings_and_figures(reporting: Reporting) -> None:
    report = (await get_report(reporting, f"yearly_department/12/{YEAR}")).json()
    answer = await reporting.client.get(
        f"/v1/reports/yearly_department/12/{YEAR}",
        headers={**reporting.headers, "Accept": "application/pdf"},
    )
    assert answer.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)

    assert "SỞ NỘI VỤ TỈNH LAI CHÂU" in text
    assert "Đơn vị báo cáo: Tỉnh Lai Châu (mã 12)" in text
    assert f"Kỳ báo cáo: năm {YEAR} (từ ngày 01/01/{YEAR} đến ngày 31/12/{YEAR})" in text
    assert f"ngày {TODAY:%d/%m/%Y}" in text
    for section in report["sections"]:
        assert section["title_vi"] in text.replace("\n", " ")
    [loans] = [s for s in report["sections"] if s["code"] == "loans"]
    disbursed = loans["lines"][0]["total"]
    assert disbursed > 1000
    assert vi_number(disbursed) in text


async def test_filing_stores_the_documents_hashes_and_versions(reporting: Reporting) -> None:
    path = f"/v1/reports/yearly_department/12/{YEAR}"
    filed = await reporting.client.post(f"{path}/filings", headers=reporting.headers)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    for fmt in ("xlsx", "pdf"):
        document = await get_report(reporting, f"yearly_department/12/{YEAR}", format=fmt)
        assert body["document_sha256"][fmt] == hashlib.sha256(document.content).hexdigest()
    report = (await get_report(reporting, f"yearly_department/12/{YEAR}")).json()
    loans = next(s for s in report["sections"] if s["code"] == "loans")["lines"][0]
    assert body["figures"]["loans.loans_disbursed_vnd.purpose.total"] == loans["total"]

    again = await reporting.client.post(f"{path}/filings", headers=reporting.headers)
    assert (again.status_code, again.json()["filing_version"]) == (200, 1)
    versions = await reporting.client.get(f"{path}/filings", headers=reporting.headers)
    assert [v["filing_version"] for v in versions.json()["items"]] == [1]
    ref = ReportRef(kind="yearly_department", unit_code="12", period=YEAR)
    events = await reporting.pool.fetch(
        f"SELECT event_type FROM {reporting.schema}.events WHERE stream_id = $1",
        report_stream_id(ref),
    )
    assert [e["event_type"] for e in events] == ["lmis.reporting.report.filed.v1"]


async def test_the_status_shows_which_communes_filed_late_or_not(reporting: Reporting) -> None:
    month = f"{TODAY.year}-{TODAY.month - 1:02d}"  # due on the 10th: already late
    communes = await reporting.client.get(
        "/v1/units", params={"parent": "12"}, headers=reporting.headers
    )
    codes = [u["code"] for u in communes.json()["items"]]
    officer = reporting.as_officer("commune_officer", codes[0])
    filed = await reporting.client.post(
        f"/v1/reports/monthly/{codes[0]}/{month}/filings", headers=officer
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["late"] is True

    status = await reporting.client.get(
        "/v1/reports/monthly/status",
        params={"unit": "12", "period": month},
        headers=reporting.headers,
    )
    found = status.json()
    assert {u["unit"]: u["state"] for u in found["units"]} == {
        code: "filed_late" if code == codes[0] else "overdue" for code in codes
    }
    assert found["counts"]["overdue"] == len(codes) - 1


async def test_a_report_asked_wrongly_is_a_problem_naming_the_input(reporting: Reporting) -> None:
    cases = [
        ("weekly/12/2026", reporting.headers, 404, "path.kind"),
        ("monthly/03637/2026", reporting.headers, 422, "path.period"),
        ("yearly_department/99999/2026", reporting.headers, 404, "path.unit"),
    ]
    for path, headers, status, field in cases:
        answer = await reporting.client.get(f"/v1/reports/{path}", headers=headers)
        assert answer.status_code == status, path
        assert answer.json()["errors"][0]["field"] == field
    other_commune = reporting.as_officer("commune_officer", "03640")
    denied = await reporting.client.get("/v1/reports/monthly/03637/2026-10", headers=other_commune)
    assert denied.status_code == 403
    wrong_level = await reporting.client.post(
        "/v1/reports/monthly/12/2026-10/filings", headers=reporting.headers
    )
    assert wrong_level.status_code == 422
    assert wrong_level.json()["errors"][0]["field"] == "path.unit"
