"""Measuring an indicator over a scope: which reads it takes, and which domain rule adds them up.

* a flow: the projection's counts summed over the unit's subtree and the period's months, and
  per value of a dimension (`market_tier` from the destination-country counts and the
  province's list; `unit` per unit directly under the one asked for);
* a stock: the facts of every stream under the unit, judged on the date by the domain's rule;
* a ratio: its numerator over its denominator, both measured the same way (the high-income
  share's numerator is the high-income part of the departures).
Nothing here decides who may ask; `queries.py` does, before calling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from lmis_reporting.application.ports import (
    CountRange,
    CountReader,
    FactsReader,
    MarketReader,
)
from lmis_reporting.domain.indicators import TOTAL
from lmis_reporting.domain.markets import DESTINATION, MARKET_TIER, by_tier
from lmis_reporting.domain.measures import (
    UNIT,
    Measured,
    RatioRule,
    ratio,
    ratio_breakdown,
    ratio_rule,
)
from lmis_reporting.domain.stocks import StockRule, evaluate, stock_rule
from lmis_reporting.domain.units import Unit

Number = int | float


@dataclass(frozen=True)
class Scope:
    unit: Unit
    start: date
    """First day of the period (a flow's months); for a stock, that of `as_of`'s year."""
    end: date
    as_of: date
    """The date a stock is judged on."""


@dataclass(frozen=True)
class Value:
    value: Number | None
    breakdown: Mapping[str, Number | None] | None = None


class Measures:
    def __init__(self, counts: CountReader, facts: FactsReader, markets: MarketReader) -> None:
        self._counts = counts
        self._facts = facts
        self._markets = markets

    def with_facts(self, facts: FactsReader) -> Measures:
        """The same measures reading the streams' facts through `facts`."""
        return Measures(self._counts, facts, self._markets)

    def with_reads(self, counts: CountReader, facts: FactsReader) -> Measures:
        """The same measures over other counts and facts (those known at a past day's end)."""
        return Measures(counts, facts, self._markets)

    async def measure(self, code: str, scope: Scope, by: str | None = None) -> Value:
        rule = ratio_rule(code)
        if rule is not None:
            return await self._ratio(rule, scope, by)
        measured = await self._plain(code, scope, by)
        return Value(measured.value, measured.breakdown)

    async def _plain(self, code: str, scope: Scope, by: str | None) -> Measured:
        rule = stock_rule(code)
        if rule is not None:
            return await self._stock(rule, scope, by)
        return await self._flow(code, scope, by)

    async def _flow(self, code: str, scope: Scope, by: str | None) -> Measured:
        unit = scope.unit
        counts = CountRange(code, unit.hierarchy, unit.code, scope.start, scope.end)
        total = await self._counts.total(counts)
        if by is None:
            return Measured(total)
        if by == UNIT:
            per_child = await self._counts.per_child(counts)
            return Measured(total, {c: v.get(TOTAL, 0) for c, v in sorted(per_child.items())})
        if by == MARKET_TIER:
            countries = await self._counts.breakdown(counts, DESTINATION)
            return Measured(total, by_tier(countries, await self._high_income(unit)))
        return Measured(total, dict(sorted((await self._counts.breakdown(counts, by)).items())))

    async def _stock(self, rule: StockRule, scope: Scope, by: str | None) -> Measured:
        unit = scope.unit
        rows = await self._facts.facts_under(rule.stream_type, unit.hierarchy, unit.code)
        high_income = await self._high_income(unit) if by == MARKET_TIER else frozenset()
        return evaluate(rule, rows, scope.as_of, by, high_income)

    async def _ratio(self, rule: RatioRule, scope: Scope, by: str | None) -> Value:
        denominator = await self._plain(rule.denominator, scope, by)
        numerator = await self._numerator(rule, scope, by)
        if by is None:
            return Value(ratio(numerator.value, denominator.value))
        breakdown = ratio_breakdown(numerator.breakdown or {}, denominator.breakdown or {})
        return Value(ratio(numerator.value, denominator.value), breakdown)

    async def _numerator(self, rule: RatioRule, scope: Scope, by: str | None) -> Measured:
        if rule.numerator_slice is None:
            return await self._plain(rule.numerator, scope, by)
        # a slice is a market tier of a flow: the catalogue lets it split by `unit` only
        dimension, wanted = rule.numerator_slice
        assert dimension == MARKET_TIER
        whole = await self._flow(rule.numerator, scope, MARKET_TIER)
        part = (whole.breakdown or {}).get(wanted, 0)
        if by is None:
            return Measured(part)
        unit = scope.unit
        counts = CountRange(rule.numerator, unit.hierarchy, unit.code, scope.start, scope.end)
        per_child = await self._counts.per_child(counts, DESTINATION)
        high_income = await self._high_income(unit)
        return Measured(
            part, {c: by_tier(v, high_income)[wanted] for c, v in sorted(per_child.items())}
        )

    async def _high_income(self, unit: Unit) -> frozenset[str]:
        return await self._markets.high_income(unit.province_code)
