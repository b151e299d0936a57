"""Stock indicators on plain values: a stream's facts and a date decide what is in force.

Dates are walked across each deadline (a permit's last valid day, an instalment's due date)
the way a clock moving forward would.
"""

from __future__ import annotations

from datetime import date, timedelta

from lmis_reporting.domain.facts import Facts, ForeignWorkerFacts, LoanFacts, WorkerFacts
from lmis_reporting.domain.markets import HIGH_INCOME, OTHER, by_tier, tier
from lmis_reporting.domain.measures import Measured, ratio, ratio_breakdown
from lmis_reporting.domain.stocks import (
    StockRule,
    abroad,
    evaluate,
    exemption_valid,
    loan_position,
    overstaying,
    permit_valid,
    stock_rule,
    working,
)
from lmis_shared.events import EventPayload
from tests.unit import test_indicator_rules as example


def rule(indicator: str) -> StockRule:
    found = stock_rule(indicator)
    assert found is not None
    return found


HIGH_INCOME_MARKETS = frozenset({"JP", "KR", "TW", "SG", "AU", "DE", "RO"})
DAY = timedelta(days=1)


def worker(*events: EventPayload) -> WorkerFacts:
    facts, _ = example.fold([example.registered(), example.contract(), *events])
    assert isinstance(facts, WorkerFacts)
    return facts


def foreigner(*events: EventPayload) -> ForeignWorkerFacts:
    facts, _ = example.fold([example.foreign_worker(engaged_on=date(2026, 3, 1)), *events])
    assert isinstance(facts, ForeignWorkerFacts)
    return facts


def loan(*events: EventPayload) -> LoanFacts:
    facts, _ = example.fold([example.loan_applied(), example.loan_approved(), *events])
    assert isinstance(facts, LoanFacts)
    return facts


# -- outbound workers -------------------------------------------------------------------------


def test_a_worker_is_abroad_from_the_day_of_departure_until_the_day_of_return() -> None:
    w = worker(example.departed(date(2026, 8, 20)), example.returned(date(2029, 8, 25)))

    assert not abroad(w, date(2026, 8, 19))
    assert abroad(w, date(2026, 8, 20))
    assert abroad(w, date(2029, 8, 24))
    assert not abroad(w, date(2029, 8, 25))


def test_an_overstaying_worker_is_abroad_and_overstaying_until_coming_back() -> None:
    w = worker(example.departed(date(2026, 8, 20)), example.overstayed(date(2029, 9, 1)))

    assert abroad(w, date(2029, 8, 31))
    assert not overstaying(w, date(2029, 8, 31))
    assert overstaying(w, date(2029, 9, 1))
    assert not overstaying(
        worker(
            example.departed(),
            example.overstayed(date(2029, 9, 1)),
            example.returned(date(2030, 1, 2)),
        ),
        date(2030, 1, 2),
    )


def test_a_worker_not_departed_is_not_abroad() -> None:
    assert not abroad(worker(), date(2030, 1, 1))


# -- foreign workers --------------------------------------------------------------------------


def test_a_permit_is_valid_through_its_last_day_and_not_the_day_after() -> None:
    fw = foreigner(example.permit_issued(date(2026, 3, 1), date(2028, 2, 28)))
    day = date(2028, 2, 27)

    seen = []
    for _ in range(3):  # the clock walks across the expiry
        seen.append((day, permit_valid(fw, day)))
        day += DAY

    assert seen == [
        (date(2028, 2, 27), True),
        (date(2028, 2, 28), True),
        (date(2028, 2, 29), False),
    ]
    assert not permit_valid(fw, date(2026, 2, 28))  # not issued yet


def test_an_extension_moves_the_expiry_and_a_revocation_ends_validity_on_its_date() -> None:
    extended = foreigner(
        example.permit_issued(date(2026, 3, 1), date(2028, 2, 28)),
        example.permit_extended(date(2028, 2, 28), date(2030, 2, 28), date(2028, 1, 5)),
    )
    revoked = foreigner(example.permit_issued(), example.permit_revoked(date(2027, 5, 10)))

    assert permit_valid(extended, date(2029, 6, 1))
    assert permit_valid(revoked, date(2027, 5, 9))
    assert not permit_valid(revoked, date(2027, 5, 10))


def test_working_ends_on_the_day_employment_ended() -> None:
    fw = foreigner(example.employment_ended(date(2027, 1, 31)))

    assert not working(fw, date(2026, 2, 28))
    assert working(fw, date(2027, 1, 30))
    assert not working(fw, date(2027, 1, 31))


def test_a_foreign_worker_whose_permit_expired_is_counted_without_a_permit() -> None:
    valid, exempt, without = (
        rule(f"foreign_workers_{s}") for s in ("valid_permit", "exempt", "without_permit")
    )
    permitted = foreigner(example.permit_issued(date(2026, 3, 1), date(2028, 2, 28)))
    certified = foreigner(example.exemption(date(2026, 3, 1), date(2027, 2, 28)))

    def counts(day: date) -> tuple[int, int, int]:
        rows: list[tuple[str | None, Facts]] = [(None, permitted), (None, certified)]
        found = [evaluate(r, rows, day).value for r in (valid, exempt, without)]
        return found[0], found[1], found[2]

    assert counts(date(2027, 2, 28)) == (1, 1, 0)
    assert counts(date(2027, 3, 1)) == (1, 0, 1)  # the exemption ran out
    assert counts(date(2028, 2, 29)) == (0, 0, 2)  # and then the permit
    assert exemption_valid(certified, date(2027, 2, 28))


# -- loans ------------------------------------------------------------------------------------


def test_an_instalment_falls_overdue_the_day_after_its_due_date() -> None:
    # three instalments of 4,000,000 principal, due 15 Feb, 15 Mar, 15 Apr
    running = loan(example.loan_disbursed(date(2026, 1, 15), date(2026, 2, 15)))
    first = 4_000_000 + 120_000

    on_due_day = loan_position(running, date(2026, 2, 15))
    day_after = loan_position(running, date(2026, 2, 16))

    assert (on_due_day.outstanding_vnd, on_due_day.overdue_vnd) == (12_000_000, 0)
    assert (day_after.outstanding_vnd, day_after.overdue_vnd) == (12_000_000, first)


def test_repayments_pay_interest_first_and_count_only_from_their_date() -> None:
    running = loan(
        example.loan_disbursed(date(2026, 1, 15), date(2026, 2, 15)),
        example.repaid(date(2026, 3, 1), 1_120_000),
    )

    before = loan_position(running, date(2026, 2, 20))
    after = loan_position(running, date(2026, 3, 2))

    assert before.overdue_vnd == 4_120_000
    assert after.overdue_vnd == 3_000_000  # 120,000 interest then 1,000,000 principal paid
    assert after.outstanding_vnd == 11_000_000


def test_a_loan_owes_nothing_before_disbursement_or_once_settled() -> None:
    settled = loan(
        example.loan_disbursed(date(2026, 1, 15)), example.loan_settled(date(2026, 6, 1))
    )

    assert loan_position(settled, date(2026, 1, 14)).outstanding_vnd == 0
    assert loan_position(settled, date(2026, 5, 31)).outstanding_vnd == 12_000_000
    assert loan_position(settled, date(2026, 6, 1)).outstanding_vnd == 0
    assert loan_position(loan(), date(2026, 6, 1)).outstanding_vnd == 0  # approved only


# -- breakdowns and ratios --------------------------------------------------------------------


def test_a_stock_is_broken_down_by_destination_tier_and_child_unit() -> None:
    abroad_now = rule("workers_abroad")
    korea = worker(example.departed(date(2026, 1, 5)))
    laos = worker(example.departed(date(2026, 1, 5))).model_copy(
        update={"destination_country": "LA"}
    )
    home = worker(example.departed(date(2026, 1, 5)), example.returned(date(2026, 2, 1)))
    rows: list[tuple[str | None, Facts]] = [("A", korea), ("B", laos), ("B", home)]

    def split(by: str) -> dict[str, int] | None:
        return evaluate(abroad_now, rows, date(2026, 3, 1), by, HIGH_INCOME_MARKETS).breakdown

    assert evaluate(abroad_now, rows, date(2026, 3, 1)) == Measured(2)
    assert split("destination_country") == {"KR": 1, "LA": 1}
    assert split("market_tier") == {HIGH_INCOME: 1, OTHER: 1}
    assert split("unit") == {"A": 1, "B": 1}


def test_market_tiers_come_from_the_list_given_not_from_code() -> None:
    assert tier("kr", HIGH_INCOME_MARKETS) == HIGH_INCOME
    assert tier("KR", frozenset({"JP"})) == OTHER
    assert tier(None, HIGH_INCOME_MARKETS) is None
    assert by_tier({"KR": 3, "LA": 1, "JP": 2}, HIGH_INCOME_MARKETS) == {HIGH_INCOME: 5, OTHER: 1}
    assert by_tier({}, HIGH_INCOME_MARKETS) == {HIGH_INCOME: 0, OTHER: 0}


def test_a_ratio_over_nothing_is_none_not_zero() -> None:
    assert ratio(1, 4) == 0.25
    assert ratio(0, 0) is None
    assert ratio_breakdown({"KR": 1}, {"KR": 4, "LA": 2, "TW": 0}) == {
        "KR": 0.25,
        "LA": 0.0,
        "TW": None,
    }
