"""Statutory reports on fakes of the reporting ports: which figures each section carries, how
a breakdown that falls short of its total is completed, who may see a report, and the XLSX and
PDF documents (Vietnamese text and number formats, SUM formulas, the same bytes each time)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from lmis_reporting.adapters.report_pdf import render_pdf
from lmis_reporting.adapters.report_xlsx import render_xlsx
from lmis_reporting.application.ports import CountRange
from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.application.reports import ReportDocuments
from lmis_reporting.domain.errors import InvalidReportPeriod, UnknownReportKind
from lmis_reporting.domain.facts import AlertFacts, Facts
from lmis_reporting.domain.indicators import TOTAL
from lmis_reporting.domain.report_kinds import REPORT_KINDS
from lmis_reporting.domain.report_model import UNKNOWN, Report, completed_rows, figures
from lmis_reporting.domain.units import Hierarchy
from lmis_reporting.domain.vietnamese import vi_date, vi_number
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.errors import Forbidden
from tests.unit.reporting_fakes import (
    KHOEN_ON,
    LAI_CHAU,
    MUONG_KIM,
    FakeFacts,
    FakeMarkets,
    FakeTargets,
    FakeUnits,
    target,
)

PROVINCE_OFFICER = Principal("p-1", Role.PROVINCE_OFFICER, "12")
MUONG_KIM_OFFICER = Principal("c-1", Role.COMMUNE_OFFICER, MUONG_KIM.code)
CLOCK = FixedClock(datetime(2026, 12, 4, 2, 30, tzinfo=UTC))


class BreakdownCounts:
    """Departures: 10 in all, 6 to Japan and 3 to Korea (one recorded with no destination);
    every other flow 0; per unit, Mường Kim 7 and Khoen On 3."""

    async def total(self, counts: CountRange) -> int:
        return 10 if counts.indicator == "departed" else 0

    async def breakdown(self, counts: CountRange, dimension: str) -> dict[str, int]:
        if counts.indicator == "departed" and dimension == "destination_country":
            return {"JP": 6, "KR": 3}
        return {}

    async def per_child(
        self, counts: CountRange, dimension: str = TOTAL
    ) -> dict[str, dict[str, int]]:
        if counts.indicator != "departed":
            return {}
        if dimension == TOTAL:
            return {MUONG_KIM.code: {TOTAL: 7}, KHOEN_ON.code: {TOTAL: 3}}
        return {MUONG_KIM.code: {"JP": 5}, KHOEN_ON.code: {"KR": 3}}


def documents() -> ReportDocuments:
    units = FakeUnits()
    queries = ReportingQueries(
        units,
        BreakdownCounts(),
        FakeFacts(),
        FakeMarkets({"12": frozenset({"JP", "KR"})}),
        FakeTargets(target(750, year=2026)),
        Authorizer(),
        CLOCK,
    )
    return ReportDocuments(queries, units, CLOCK)


async def yearly() -> Report:
    return await documents().report(PROVINCE_OFFICER, "yearly_department", "12", "2026")


def test_numbers_and_dates_are_written_the_vietnamese_way() -> None:
    assert vi_number(1234567) == "1.234.567"
    assert vi_number(0) == "0"
    assert vi_number(0.125, "ratio") == "12,5 %"
    assert vi_number(None) == "—"
    assert vi_date(date(2026, 3, 5)) == "05/03/2026"


def test_a_breakdown_short_of_its_total_gets_an_unknown_row() -> None:
    assert completed_rows({"JP": 6, "KR": 3}, 10, additive=True) == [
        ("JP", 6),
        ("KR", 3),
        (UNKNOWN, 1),
    ]
    assert completed_rows({"JP": 6, "KR": 4}, 10, additive=True) == [("JP", 6), ("KR", 4)]
    assert completed_rows({"a": 0.5}, 0.2, additive=False) == [("a", 0.5)]


async def test_the_report_carries_each_section_the_plan_asks_for() -> None:
    report = await yearly()

    kind = REPORT_KINDS["yearly_department"]
    assert [s.code for s in report.sections] == [s.code for s in kind.sections]
    assert report.unit.official_name == "Tỉnh Lai Châu"
    assert report.unit.issuing_body == "Sở Nội vụ tỉnh Lai Châu"
    assert (report.period, report.due_date, report.stock_date) == (
        "2026",
        date(2026, 12, 15),
        date(2026, 12, 4),
    )
    found = figures(report)
    assert found["departures.departed.destination_country.total"] == 10
    assert found["departures.departed.destination_country.JP"] == 6
    assert found[f"departures.departed.destination_country.{UNKNOWN}"] == 1
    assert found["departures.departed.market_tier.high_income"] == 9
    assert found["departures.departed_high_income_share.total"] == 0.9


class OpenAlertFacts(FakeFacts):
    """Two open alerts in Mường Kim (loans), one resolved (a late report)."""

    async def facts_under(
        self, stream_type: str, hierarchy: Hierarchy, unit_code: str
    ) -> list[tuple[str | None, Facts]]:
        if stream_type != "alert":
            return []
        loan = AlertFacts(
            commune_code=MUONG_KIM.code, rule="loan_overdue", raised_on=date(2026, 3, 1)
        )
        late = AlertFacts(
            commune_code=MUONG_KIM.code,
            rule="report_late",
            raised_on=date(2026, 2, 11),
            resolved_on=date(2026, 2, 20),
        )
        return [(MUONG_KIM.code, loan), (MUONG_KIM.code, loan), (MUONG_KIM.code, late)]


async def test_the_alerts_section_carries_alerts_raised_resolved_and_open_by_rule() -> None:
    units = FakeUnits()
    queries = ReportingQueries(
        units,
        BreakdownCounts(),
        OpenAlertFacts(),
        FakeMarkets(),
        FakeTargets(),
        Authorizer(),
        CLOCK,
    )
    report = await ReportDocuments(queries, units, CLOCK).report(
        PROVINCE_OFFICER, "yearly_department", "12", "2026"
    )

    [alerts] = [s for s in report.sections if s.code == "alerts"]
    assert alerts.unavailable_vi is None
    assert [(line.indicator, line.by) for line in alerts.lines] == [
        ("alerts_raised", "rule"),
        ("alerts_resolved", "rule"),
        ("alerts_open", "rule"),
    ]
    found = figures(report)
    assert found["alerts.alerts_open.rule.total"] == 2
    assert found["alerts.alerts_open.rule.loan_overdue"] == 2
    assert "alerts.alerts_open.rule.report_late" not in found
    [open_line] = [line for line in alerts.lines if line.indicator == "alerts_open"]
    assert [r.label for r in open_line.rows] == ["Nợ vay quá hạn"]


async def test_the_programme_review_compares_departures_with_the_target() -> None:
    report = await documents().report(PROVINCE_OFFICER, "programme_review", "12", "2026")

    [programme] = [s for s in report.sections if s.code == "programme"]
    departed = programme.lines[0]
    assert departed.target is not None
    assert (departed.total, departed.target.value) == (10, 750)
    by_unit = programme.lines[3]
    assert [(r.label, r.value) for r in by_unit.rows] == [
        ("Xã Mường Kim", 7),
        ("Xã Khoen On", 3),
    ]


async def test_a_commune_officer_sees_only_the_own_communes_report() -> None:
    own = await documents().report(MUONG_KIM_OFFICER, "monthly", MUONG_KIM.code, "2026-11")
    assert own.unit.issuing_body == "Ủy ban nhân dân xã Mường Kim"

    with pytest.raises(Forbidden):
        await documents().report(MUONG_KIM_OFFICER, "monthly", KHOEN_ON.code, "2026-11")
    with pytest.raises(Forbidden):
        await documents().report(MUONG_KIM_OFFICER, "yearly_department", LAI_CHAU.code, "2026")


async def test_a_report_names_the_wrong_kind_or_period() -> None:
    with pytest.raises(UnknownReportKind):
        await documents().report(PROVINCE_OFFICER, "weekly", "12", "2026")
    with pytest.raises(InvalidReportPeriod) as wrong:
        await documents().report(PROVINCE_OFFICER, "monthly", MUONG_KIM.code, "2026")
    assert wrong.value.field == "report_period"


async def test_the_xlsx_keeps_numbers_as_numbers_and_totals_as_sums() -> None:
    report = await yearly()
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(report))).active
    assert sheet is not None
    by_key = {row[3].value: row for row in sheet.iter_rows() if row[3].value}

    japan = by_key["departures.departed.destination_country.JP"]
    assert japan[2].value == 6
    assert japan[2].number_format == "#,##0"
    total = by_key["departures.departed.destination_country.total"][2]
    first, last = total.value.removeprefix("=SUM(").removesuffix(")").split(":")
    assert sum(sheet[f"{first}:{last}"][i][0].value for i in range(3)) == 10
    share = by_key["departures.departed_high_income_share.total"][2]
    assert (share.value, share.number_format) == (0.9, "0.0%")
    assert sheet["A1"].value == "SỞ NỘI VỤ TỈNH LAI CHÂU"


async def test_the_pdf_speaks_vietnamese_with_vietnamese_numbers() -> None:
    report = await yearly()
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(report))).pages
    )

    for heading in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Người lao động đi làm việc ở nước ngoài theo hợp đồng",
        "Đơn vị báo cáo: Tỉnh Lai Châu (mã 12)",
        "Kỳ báo cáo: năm 2026 (từ ngày 01/01/2026 đến ngày 31/12/2026)",
        "Hạn gửi báo cáo: 15/12/2026",
        "Nhật Bản",
        "Cảnh báo đang mở (chưa được xử lý) (theo loại cảnh báo)",
        "90,0 %",
    ):
        assert heading in text


async def test_the_same_figures_give_the_same_documents() -> None:
    first, again = await yearly(), await yearly()

    assert render_xlsx(first) == render_xlsx(again)
    assert render_pdf(first) == render_pdf(again)


class CountingFacts(FakeFacts):
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    async def facts_under(self, stream_type: str, hierarchy: Any, unit_code: str) -> list[Any]:
        self.asked.append((stream_type, unit_code))
        return []


async def test_a_report_reads_each_kind_of_stream_once_for_all_its_lines() -> None:
    facts, units = CountingFacts(), FakeUnits()
    queries = ReportingQueries(
        units, BreakdownCounts(), facts, FakeMarkets(), FakeTargets(), Authorizer(), CLOCK
    )

    await ReportDocuments(queries, units, CLOCK).report(
        PROVINCE_OFFICER, "yearly_department", "12", "2026"
    )

    assert sorted(facts.asked) == [
        ("alert", "12"),
        ("foreign_worker", "12"),
        ("loan", "12"),
        ("worker", "12"),
    ]
