"""Notify's alerts counted as indicators: raised and resolved (flows, by rule, in the unit the
alert names and the Vietnam calendar month of the day it happened) and open on a date (stock)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from lmis_reporting.application.counting import tally
from lmis_reporting.application.ports import StreamEvent
from lmis_reporting.domain.facts import AlertFacts
from lmis_reporting.domain.stocks import evaluate, stock_rule
from lmis_shared.contracts.notify import (
    AlertAcknowledged,
    AlertRaised,
    AlertResolved,
    AlertRule,
    AlertUpdated,
    SubjectKind,
)

SUBJECT = uuid4()


def raised(at: datetime, unit: str | None = "03637", province: str | None = "12") -> AlertRaised:
    return AlertRaised(
        rule=AlertRule.loan_overdue,
        subject_id=SUBJECT,
        subject_kind=SubjectKind.loan,
        unit_code=unit,
        province_code=province,
        due_on=date(2026, 3, 1),
        raised_at=at,
        amount_vnd=1_000_000,
    )


def resolved(at: datetime) -> AlertResolved:
    return AlertResolved(
        rule=AlertRule.loan_overdue,
        subject_id=SUBJECT,
        fixed_by="lmis.registry.loan.repayment_received.v1",
        resolved_at=at,
    )


def rows(events: list[object]) -> dict[tuple[str, str, date, str, str], int]:
    alert = uuid4()
    found = tally([StreamEvent(alert, "alert", e) for e in events], {})  # type: ignore[arg-type]
    return {i.key: i.delta for i in found.increments}


def test_an_alert_raised_counts_in_its_commune_in_the_vietnam_month_it_was_raised() -> None:
    # 18:00 UTC on 31 March is 1 April in Vietnam
    counted = rows([raised(datetime(2026, 3, 31, 18, tzinfo=UTC))])

    assert counted == {
        ("alerts_raised", "03637", date(2026, 4, 1), "", ""): 1,
        ("alerts_raised", "03637", date(2026, 4, 1), "rule", "loan_overdue"): 1,
    }


def test_updates_and_acknowledgements_count_nothing_and_a_resolution_counts_where_raised() -> None:
    at = datetime(2026, 3, 2, 3, tzinfo=UTC)
    counted = rows(
        [
            raised(at),
            AlertUpdated(
                rule=AlertRule.loan_overdue,
                subject_id=SUBJECT,
                missed=2,
                updated_at=datetime(2026, 4, 2, 3, tzinfo=UTC),
            ),
            AlertAcknowledged(acknowledged_by="c-1", acknowledged_at=at),
            resolved(datetime(2026, 5, 9, 3, tzinfo=UTC)),
        ]
    )

    assert counted[("alerts_resolved", "03637", date(2026, 5, 1), "rule", "loan_overdue")] == 1
    assert {key[0] for key in counted} == {"alerts_raised", "alerts_resolved"}
    assert sum(v for k, v in counted.items() if k[3] == "") == 2


def test_an_alert_with_no_commune_counts_in_its_province() -> None:
    counted = rows([raised(datetime(2026, 3, 2, 3, tzinfo=UTC), unit=None, province="12")])

    assert ("alerts_raised", "12", date(2026, 3, 1), "", "") in counted


def test_an_alert_is_open_from_the_day_raised_until_the_day_resolved() -> None:
    rule = stock_rule("alerts_open")
    assert rule is not None
    alert = AlertFacts(
        commune_code="03637",
        rule="loan_overdue",
        raised_on=date(2026, 3, 2),
        resolved_on=date(2026, 5, 9),
    )

    def open_on(day: date) -> int:
        return int(evaluate(rule, [(None, alert)], day).value or 0)

    assert [open_on(date(2026, 3, 1)), open_on(date(2026, 3, 2))] == [0, 1]
    assert [open_on(date(2026, 5, 8)), open_on(date(2026, 5, 9))] == [1, 0]
    assert evaluate(rule, [(None, alert)], date(2026, 4, 1), "rule").breakdown == {
        "loan_overdue": 1
    }
