"""The legal ceilings on what a worker going abroad pays the sending organisation, as data.

`fee_ceilings.json` holds the rules (fee, destination, months of salary per 12 months of work,
a cap for long contracts, legal source, validity dates). `excesses(...)` compares the fees
recorded on a contract with the rules in force on its signing day: pure, no clock, so a
consumer replaying old contracts finds the same answer. Amounts are whole VND; a ceiling is
rounded down to the đồng (the worker gets the benefit of the doubt of a fraction).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path

RULES_FILE = Path(__file__).with_name("fee_ceilings.json")


@dataclass(frozen=True)
class CeilingRule:
    id: str
    fee: str
    """The name of the fee on the contract (`fees_vnd` key): `service_fee`, `brokerage_refund`."""
    destination: str | None
    """ISO 3166-1 alpha-2; None: every destination without a rule of its own."""
    sector: str | None
    months_per_12_months: Fraction
    max_months: Fraction
    source: str
    valid_from: date
    valid_to: date | None

    def applies(self, fee: str, destination: str, sector: str | None, on: date) -> bool:
        return (
            self.fee == fee
            and self.destination in (None, destination)
            and self.sector in (None, sector)
            and self.valid_from <= on
            and (self.valid_to is None or on <= self.valid_to)
        )

    @property
    def specificity(self) -> int:
        return (self.destination is not None) * 2 + (self.sector is not None)

    def ceiling_vnd(self, monthly_salary_vnd: int, duration_months: int) -> int:
        months = min(self.months_per_12_months * duration_months / 12, self.max_months)
        return int(months * monthly_salary_vnd)  # floor: amounts are non-negative


@dataclass(frozen=True)
class Excess:
    """A fee above its ceiling: what was paid, the most the rule allows, and the rule."""

    fee: str
    paid_vnd: int
    ceiling_vnd: int
    rule_id: str
    source: str


@cache
def load_rules(path: Path = RULES_FILE) -> tuple[CeilingRule, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        CeilingRule(
            id=r["id"],
            fee=r["fee"],
            destination=r.get("destination"),
            sector=r.get("sector"),
            months_per_12_months=Fraction(str(r["months_per_12_months"])),
            max_months=Fraction(str(r["max_months"])),
            source=r["source"],
            valid_from=date.fromisoformat(r["valid_from"]),
            valid_to=date.fromisoformat(r["valid_to"]) if r.get("valid_to") else None,
        )
        for r in raw["rules"]
    )


def rule_for(
    rules: tuple[CeilingRule, ...], fee: str, destination: str, sector: str | None, on: date
) -> CeilingRule | None:
    """The most specific rule in force on `on` for the fee (a market's over the general)."""
    found = [r for r in rules if r.applies(fee, destination, sector, on)]
    return max(found, key=lambda r: r.specificity, default=None)


def excesses(
    fees_vnd: Mapping[str, int],
    *,
    destination: str,
    sector: str | None,
    monthly_salary_vnd: int,
    duration_months: int,
    signed_on: date,
    rules: tuple[CeilingRule, ...] | None = None,
) -> list[Excess]:
    """The fees of a contract above the ceiling in force on its signing day ([] if none)."""
    rules = load_rules() if rules is None else rules
    found = []
    for fee, paid in sorted(fees_vnd.items()):
        rule = rule_for(rules, fee, destination, sector, signed_on)
        if rule is None:
            continue
        ceiling = rule.ceiling_vnd(monthly_salary_vnd, duration_months)
        if paid > ceiling:
            found.append(Excess(fee, paid, ceiling, rule.id, rule.source))
    return found
