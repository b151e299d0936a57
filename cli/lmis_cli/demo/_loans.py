"""VBSP loans for a share of the workers who signed a contract, and how they were repaid.

Poor and near-poor households and ethnic minorities borrow most, at the lower rate. A loan is
applied for after the signing, approved, disbursed, then repaid a quarter at a time on the
first instalment's due date (the bank's commune collection days); some borrowers stopped
paying (overdue, more often among those who absconded or overstay), some paid off after coming
home and settled. Repayments are whole instalments, so the schedule below must equal the
registry's (`lmis_registry.domain.loans.schedule`; a unit test holds them together).
"""

from __future__ import annotations

import random
from datetime import date

from lmis_cli.demo._outbound import WorkerFacts
from lmis_cli.demo._random import add_months, days_between, rng_for
from lmis_cli.demo._setting import Setting
from lmis_cli.demo.plan import LOAN, Entity, Step

LOWER_RATE_BP, STANDARD_RATE_BP = 660, 792
"""Demo rates, a year: 6.6 % for the priority groups, 7.92 % for others."""
_PRIORITY_RATE_GROUPS = {"poor_household", "near_poor_household", "ethnic_minority"}
_STEP = 5_000_000  # loans are granted in round millions


def instalments(principal: int, start: date, term: int, rate_bp: int) -> list[tuple[date, int]]:
    """Due date and amount of each instalment: equal principal, interest on the balance."""
    base, extra = divmod(principal, term)
    balance, out = principal, []
    for number in range(1, term + 1):
        part = base + (1 if number <= extra else 0)
        interest = (balance * rate_bp + 60_000) // 120_000
        out.append((add_months(start, number), part + interest))
        balance -= part
    return out


def loan(index: int, facts: WorkerFacts, setting: Setting) -> Entity | None:
    rng = rng_for(setting.seed, setting.profile.code, LOAN, index)
    story, today = facts.story, setting.today
    if story.signed_on is None or story.withdrawn_on is not None:
        return None
    if rng.random() >= _borrowing_share(facts.priority_groups):
        return None
    applied = min(today, story.signed_on + days_between(rng, 3, 20))
    wanted = max(20_000_000, min(150_000_000, _round(facts.fees_vnd * rng.uniform(0.6, 1.0))))
    body = {"purpose": "going_abroad", "amount_vnd": wanted, "applied_on": applied.isoformat()}
    steps = [Step("apply", body)]
    outcome = _decide(rng, facts, applied, wanted, today, steps)
    return Entity(LOAN, f"loan-{index}", tuple(steps), outcome, parent=facts.ref)


def _borrowing_share(groups: tuple[str, ...]) -> float:
    if {"poor_household", "near_poor_household"} & set(groups):
        return 0.45
    return 0.3 if "ethnic_minority" in groups else 0.1


def _round(value: float) -> int:
    return max(_STEP, round(value / _STEP) * _STEP)


def _decide(
    rng: random.Random,
    facts: WorkerFacts,
    applied: date,
    wanted: int,
    today: date,
    steps: list[Step],
) -> str:
    decided = applied + days_between(rng, 5, 20)
    if decided > today:
        return "applied"
    if rng.random() < 0.06:
        reason = "Hồ sơ vay chưa đủ điều kiện theo quy định"
        steps.append(Step("reject", {"reason": reason, "rejected_on": decided.isoformat()}))
        return "rejected"
    granted = wanted if rng.random() < 0.85 else _round(wanted * 0.8)
    steps.append(Step("approve", {"approved_amount_vnd": granted, "approved_on": _iso(decided)}))
    paid_out = decided + days_between(rng, 2, 10)
    if paid_out > today:
        return "approved"
    term = max(6, min(facts.story.months, 60))
    rate = LOWER_RATE_BP if _PRIORITY_RATE_GROUPS & set(facts.priority_groups) else STANDARD_RATE_BP
    disburse = {
        "amount_vnd": granted,
        "disbursed_on": _iso(paid_out),
        "term_months": term,
        "annual_interest_rate_bp": rate,
    }
    steps.append(Step("disburse", disburse))
    return _repay(rng, facts, instalments(granted, paid_out, term, rate), today, steps)


def _repay(
    rng: random.Random,
    facts: WorkerFacts,
    schedule: list[tuple[date, int]],
    today: date,
    steps: list[Step],
) -> str:
    story = facts.story
    late_now = sum(1 for due, _ in schedule if due < today)
    stopped = story.absconded_on is not None or story.overstaying_since is not None
    if late_now and rng.random() < (0.6 if stopped else 0.12):
        # paid some whole quarters, then stopped: an instalment due before today is unpaid
        _pay_quarters(rng, schedule, rng.randint(0, late_now - 1), today, steps)
        return "overdue"
    payoff = story.returned_on and story.returned_on + days_between(rng, 10, 60)
    if payoff and payoff <= today and rng.random() < 0.7:
        paid = _pay_quarters(rng, schedule, len(schedule), payoff, steps)
        rest = sum(amount for _, amount in schedule) - paid
        if rest:
            steps.append(Step("record-repayment", {"amount_vnd": rest, "paid_on": _iso(payoff)}))
        steps.append(Step("settle", {"settled_on": _iso(payoff)}))
        return "settled"
    paid = _pay_quarters(rng, schedule, len(schedule), today, steps)
    if paid == sum(amount for _, amount in schedule):
        last_paid = date.fromisoformat(steps[-1].body["paid_on"])
        steps.append(Step("settle", {"settled_on": _iso(min(today, last_paid))}))
        return "settled"
    return "repaying" if paid else "disbursed"


def _pay_quarters(
    rng: random.Random, schedule: list[tuple[date, int]], limit: int, until: date, steps: list[Step]
) -> int:
    """Pay three instalments at a time, on or just after the first one's due date, as long as
    that date is not after `until` and the quarter ends within the first `limit` instalments.
    """
    paid = 0
    for first in range(0, len(schedule), 3):
        quarter = schedule[first : first + 3]
        due = quarter[0][0]
        if due > until or first + len(quarter) > limit:
            break
        amount = sum(a for _, a in quarter)
        paid_on = min(until, due + days_between(rng, 0, 5))
        steps.append(Step("record-repayment", {"amount_vnd": amount, "paid_on": _iso(paid_on)}))
        paid += amount
    return paid


def _iso(day: date) -> str:
    return day.isoformat()
