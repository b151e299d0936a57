"""The instalment schedule: equal principal, interest on the declining balance, integer VND."""

from __future__ import annotations

from datetime import date

import pytest

from lmis_registry.domain.loans import schedule as sched


def test_a_hundred_million_over_a_year_at_792_bp_gives_the_hand_computed_schedule() -> None:
    plan = sched.generate(100_000_000, date(2026, 1, 15), 12, 792)

    # 100,000,000 = 12 x 8,333,333 + 4: the first four instalments carry the extra đồng
    assert [i.principal_vnd for i in plan] == [8_333_334] * 4 + [8_333_333] * 8
    # 0.66 % a month of 100,000,000; then of 91,666,666 = 604,999.996 -> 605,000
    assert [i.interest_vnd for i in plan[:2]] == [660_000, 605_000]
    # the last month's balance is 8,333,333: 54,999.998 -> 55,000
    assert plan[-1].interest_vnd == 55_000
    assert [i.number for i in plan] == list(range(1, 13))
    assert plan[0].due_on == date(2026, 2, 15)
    assert plan[-1].due_on == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("amount", "term"),
    [(100_000_000, 12), (80_000_001, 36), (7, 12), (1, 1), (99_999_999_999, 120), (50_000, 7)],
)
def test_principal_parts_sum_to_the_amount_exactly_and_differ_by_at_most_one_dong(
    amount: int, term: int
) -> None:
    plan = sched.generate(amount, date(2026, 3, 1), term, 900)
    parts = [i.principal_vnd for i in plan]
    assert sum(parts) == amount
    assert len(parts) == term
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)  # the extra đồng go first


def test_interest_is_rounded_half_up_to_the_dong() -> None:
    # 15 x 4000 bp / 120,000 = 0.5 exactly; 14 gives 0.467; 16 gives 0.533
    assert sched.monthly_interest(15, 4_000) == 1
    assert sched.monthly_interest(14, 4_000) == 0
    assert sched.monthly_interest(16, 4_000) == 1
    assert sched.monthly_interest(45, 4_000) == 2  # 1.5 -> 2
    assert sched.monthly_interest(75, 4_000) == 3  # 2.5 -> 3 (banker's rounding would give 2)


def test_interest_is_charged_on_the_balance_still_outstanding_each_month() -> None:
    plan = sched.generate(12_000_000, date(2026, 1, 10), 3, 1_200)  # 1 % a month
    assert [i.interest_vnd for i in plan] == [120_000, 80_000, 40_000]


def test_a_zero_rate_loan_charges_no_interest() -> None:
    plan = sched.generate(9_000_000, date(2026, 1, 10), 3, 0)
    assert sched.total_vnd(plan) == 9_000_000


def test_due_dates_keep_the_day_of_the_month_or_take_the_last_day_of_a_shorter_month() -> None:
    plan = sched.generate(4_000_000, date(2027, 12, 31), 4, 792)
    assert [i.due_on for i in plan] == [
        date(2028, 1, 31),
        date(2028, 2, 29),  # leap year
        date(2028, 3, 31),  # back to the 31st: computed from the start, not month to month
        date(2028, 4, 30),
    ]


def test_carried_interest_is_added_to_the_first_instalment_only() -> None:
    plain = sched.generate(6_000_000, date(2026, 1, 10), 3, 1_200)
    carried = sched.generate(6_000_000, date(2026, 1, 10), 3, 1_200, carried_interest_vnd=5_000)
    assert carried[0].interest_vnd == plain[0].interest_vnd + 5_000
    assert carried[1:] == plain[1:]


def test_repayments_pay_the_oldest_instalment_first_interest_before_principal() -> None:
    plan = sched.generate(12_000_000, date(2026, 1, 10), 3, 1_200)
    # instalment 1 is 4,000,000 + 120,000; then 80,000 of interest of instalment 2, then 50,000
    first, second, third = sched.allocate(plan, 4_120_000 + 80_000 + 50_000)
    assert (first.interest_paid_vnd, first.principal_paid_vnd, first.unpaid_vnd) == (
        120_000,
        4_000_000,
        0,
    )
    assert (second.interest_paid_vnd, second.principal_paid_vnd) == (80_000, 50_000)
    assert third.paid_vnd == 0
    assert sched.paid_through((first, second, third)) == 1
