"""What every part of the generator shares: the province, the seed, the day, two plan-wide
draws."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lmis_cli.demo._places import ProvinceProfile


@dataclass(frozen=True)
class Setting:
    profile: ProvinceProfile
    seed: int
    today: date
    offset: float
    """Where this plan's stratified sequences start."""
    salt: int
    """Mixed into unique numbers (citizen IDs, passports) so that seeds differ in them."""
