"""Market tiers: "high-income, stable" destinations versus the others, per province.

Which countries are high-income markets is a province's choice (Lai Châu's plan names Japan,
Korea, Taiwan, Singapore, Australia, Germany and Romania), kept as data in the
`high_income_markets` table, not here. The tier is applied when counts are read, from the
breakdown by destination country: a province that changes its list sees every period, past
ones included, under the new list, with no recount. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

MARKET_TIER = "market_tier"
DESTINATION = "destination_country"
HIGH_INCOME = "high_income"
OTHER = "other"


def tier(country: str | None, high_income: frozenset[str]) -> str | None:
    """The tier of a destination (ISO 3166-1 alpha-2); None when the destination is unknown."""
    if country is None:
        return None
    return HIGH_INCOME if country.upper() in high_income else OTHER


def by_tier(by_country: Mapping[str, int], high_income: frozenset[str]) -> dict[str, int]:
    """A breakdown by destination country, summed by tier (both tiers always present)."""
    tiers = {HIGH_INCOME: 0, OTHER: 0}
    for country, value in by_country.items():
        tiers[tier(country, high_income) or OTHER] += value
    return tiers
