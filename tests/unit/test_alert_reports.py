"""Statutory report deadlines as data: due dates of the seeds, periods, who files which."""

from __future__ import annotations

from datetime import date

import pytest

from lmis_notify.domain.errors import InvalidReport
from lmis_notify.domain.model import Deadline, report_id
from lmis_notify.domain.reports import (
    REPORT_KINDS,
    Obligation,
    expand_obligations,
    report_deadlines,
    report_ref,
)
from lmis_shared.contracts.notify import AlertRule, ReportRef

MONTHLY = REPORT_KINDS["monthly"]
PROVINCES = {"12": ("03637", "03640"), "80": ("27937",)}


def province_of(unit: str) -> str | None:
    if unit in PROVINCES:
        return unit
    return next((p for p, communes in PROVINCES.items() if unit in communes), None)


def communes_of(province: str) -> tuple[str, ...]:
    return PROVINCES[province]


def test_a_monthly_report_is_due_on_the_10th_of_the_next_month() -> None:
    assert MONTHLY.due_date("2026-03") == date(2026, 4, 10)
    assert MONTHLY.due_date("2026-12") == date(2027, 1, 10)


def test_the_yearly_reports_are_due_on_30_november_and_15_december() -> None:
    assert REPORT_KINDS["yearly_agencies"].due_date("2026") == date(2026, 11, 30)
    assert REPORT_KINDS["yearly_department"].due_date("2026") == date(2026, 12, 15)


def test_the_periods_due_in_a_window_are_listed_oldest_first() -> None:
    assert MONTHLY.periods_due_between(date(2026, 1, 10), date(2026, 3, 9)) == [
        "2025-12",
        "2026-01",
    ]
    yearly = REPORT_KINDS["yearly_agencies"]
    assert yearly.periods_due_between(date(2026, 1, 1), date(2027, 12, 31)) == ["2026", "2027"]


@pytest.mark.parametrize(
    ("kind", "period"),
    [("monthly", "2026"), ("monthly", "2026-13"), ("yearly_agencies", "2026-03")],
)
def test_a_period_must_suit_the_kind(kind: str, period: str) -> None:
    with pytest.raises(InvalidReport) as refused:
        report_ref(kind, "03637", period)

    assert refused.value.field == "path.period"


def test_an_unknown_kind_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidReport, match="monthly") as refused:
        report_ref("weekly", "03637", "2026-03")

    assert refused.value.field == "path.kind"


def test_a_province_under_a_commune_kind_stands_for_all_its_communes() -> None:
    configured = {"monthly": ["12", "27937"], "yearly_department": ["12"]}

    found = expand_obligations(configured, communes_of, province_of)

    assert found == [
        ("monthly", "03637", "12"),
        ("monthly", "03640", "12"),
        ("monthly", "27937", "80"),
        ("yearly_department", "12", "12"),
    ]


@pytest.mark.parametrize(
    "configured",
    [{"weekly": ["12"]}, {"monthly": ["99"]}, {"yearly_agencies": ["03637"]}],
    ids=["unknown kind", "unknown unit", "a commune filing a province's report"],
)
def test_a_bad_obligation_setting_is_refused(configured: dict[str, list[str]]) -> None:
    with pytest.raises(ValueError, match="report"):
        expand_obligations(configured, communes_of, province_of)


def test_each_report_has_a_due_deadline_days_before_and_a_late_one_the_day_after() -> None:
    obligation = Obligation("monthly", "03637", "12", since=date(2026, 1, 1))

    found = report_deadlines(obligation, date(2026, 4, 1), date(2026, 4, 15), due_soon_days=5)

    ref = ReportRef(kind="monthly", unit_code="03637", period="2026-03")
    [(subject, deadlines)] = found
    assert subject.id == report_id(ref)
    assert (subject.unit_code, subject.province_code, subject.report) == ("03637", "12", ref)
    assert deadlines == (
        Deadline(AlertRule.report_due, subject.id, date(2026, 4, 5)),
        Deadline(AlertRule.report_late, subject.id, date(2026, 4, 11)),
    )


def test_periods_falling_due_before_the_obligation_began_are_not_tracked() -> None:
    obligation = Obligation("monthly", "03637", "12", since=date(2026, 4, 11))

    found = report_deadlines(obligation, date(2026, 1, 1), date(2026, 5, 31), due_soon_days=5)

    assert [s.report.period for s, _ in found if s.report] == ["2026-04"]
