"""Seeded choices and calendar arithmetic for the demo generator.

Every entity draws from its own generator, seeded by (seed, province, kind, index): worker 17
is the same person whatever the number of workers asked for, and no draw for one entity shifts
another's. `random.Random` seeded with a string hashes it with SHA-512, so the draws do not
depend on PYTHONHASHSEED or the platform.

Shares that must hold even in small plans (the 1 % who overstay, the permit states) come from
`stratified`: a Weyl sequence, whose first N terms spread over [0, 1) almost evenly, so every
share with weight w gets w·N entities within one or two, for any N.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

T = TypeVar("T")

_GOLDEN = (5**0.5 - 1) / 2  # the Weyl sequence with the golden ratio spreads most evenly


def rng_for(seed: int, province: int, kind: str, index: int) -> random.Random:
    return random.Random(f"lmis-demo/{seed}/{province}/{kind}/{index}")


def stratified(index: int, offset: float, shares: Sequence[tuple[T, float]]) -> T:
    """The share that entity `index` falls in: over N entities, each gets its weight's part."""
    point = (offset + index * _GOLDEN) % 1.0
    total = sum(weight for _, weight in shares)
    cumulative = 0.0
    for value, weight in shares:
        cumulative += weight / total
        if point < cumulative:
            return value
    return shares[-1][0]


def weighted(rng: random.Random, shares: Sequence[tuple[T, float]]) -> T:
    values = [value for value, _ in shares]
    return rng.choices(values, [weight for _, weight in shares])[0]


def days_between(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def amount(rng: random.Random, low: int, high: int, step: int = 100_000) -> int:
    """A whole amount of VND between `low` and `high`, rounded to `step` as people quote them."""
    return max(step, round(rng.randint(low, high) / step) * step)


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or earlier), or that month's last day if it is shorter."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    return date(year, month0 + 1, min(start.day, calendar.monthrange(year, month0 + 1)[1]))


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def injective(index: int, modulus: int, salt: int) -> int:
    """A number below `modulus`, different for every index below it: unique identifiers.

    Multiplying by a number prime to the modulus (982,451 is a prime; our moduli are powers
    of ten) permutes the residues, so the numbers look scattered yet never repeat.
    """
    return (index * 982_451 + salt) % modulus
