"""Which communes a province has today (since 2025-07-01), from the `vietnam-provinces` data
the writing services validate against; a report obligation of a province's communes needs it."""

from __future__ import annotations

from functools import cache

from vietnam_provinces.lookup import WARD_MAPPING

from lmis_shared.reference.units import commune_code_str, province_code_str


@cache
def _communes_by_province() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for code, ward in WARD_MAPPING.items():
        found.setdefault(province_code_str(int(ward.province_code)), []).append(
            commune_code_str(int(code))
        )
    return {province: tuple(sorted(codes)) for province, codes in found.items()}


def communes_of(province_code: str) -> tuple[str, ...]:
    return _communes_by_province().get(province_code, ())
