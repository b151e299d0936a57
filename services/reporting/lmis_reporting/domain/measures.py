"""A measured indicator value, and indicators that are ratios of two others.

A ratio's breakdown divides the numerator's breakdown by the denominator's, value by value;
a value whose denominator is zero has no ratio (None), never a made-up 0. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

UNIT = "unit"
"""The breakdown by the units directly under the one asked for (communes of a province...)."""


@dataclass(frozen=True)
class Measured:
    value: int
    breakdown: dict[str, int] | None = None


@dataclass(frozen=True)
class RatioRule:
    indicator: str
    numerator: str
    denominator: str
    numerator_slice: tuple[str, str] | None = None
    """Count only this (dimension, value) of the numerator: the high-income part of departures."""


RATIO_RULES: tuple[RatioRule, ...] = (
    RatioRule("departed_high_income_share", "departed", "departed", ("market_tier", "high_income")),
    RatioRule("overstay_rate", "overstaying", "workers_abroad"),
    RatioRule("loans_overdue_ratio", "loans_overdue_amount_vnd", "loans_outstanding_vnd"),
)


def ratio_rule(indicator: str) -> RatioRule | None:
    return next((rule for rule in RATIO_RULES if rule.indicator == indicator), None)


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def ratio_breakdown(
    numerators: Mapping[str, int], denominators: Mapping[str, int]
) -> dict[str, float | None]:
    """Per value of the denominator's breakdown (a value absent from the numerator is 0)."""
    return {key: ratio(numerators.get(key, 0), d) for key, d in sorted(denominators.items())}
