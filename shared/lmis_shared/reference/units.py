"""Current administrative units (since 2025-07-01: province → commune), for validation.

The reporting service keeps the full current and legacy hierarchies as tables; the writing
services only need to know whether a commune code exists and which province it is in, which the
`vietnam-provinces` package answers without a database round trip.
"""

from __future__ import annotations

from functools import cache

from vietnam_provinces.lookup import PROVINCE_MAPPING, WARD_MAPPING


def province_code_str(code: int) -> str:
    return f"{code:02d}"


def commune_code_str(code: int) -> str:
    return f"{code:05d}"


@cache
def _commune_to_province() -> dict[str, str]:
    return {
        commune_code_str(int(code)): province_code_str(int(ward.province_code))
        for code, ward in WARD_MAPPING.items()
    }


@cache
def _province_codes() -> frozenset[str]:
    return frozenset(province_code_str(int(code)) for code in PROVINCE_MAPPING)


def province_of(unit_code: str) -> str | None:
    """The province a current province or commune code belongs to; None if unknown."""
    if unit_code in _province_codes():
        return unit_code
    return _commune_to_province().get(unit_code)


def is_commune(code: str) -> bool:
    return code in _commune_to_province()


def commune_name(code: str) -> str | None:
    ward = WARD_MAPPING.get(int(code)) if code.isdigit() else None
    return ward.name if ward else None


def unit_in_scope(unit_code: str, scope_code: str) -> bool:
    """Whether `unit_code` lies within the administrative scope `scope_code`.

    A scope is a province or a commune; a commune lies in its own scope and in its province's.
    """
    if unit_code == scope_code:
        return True
    return scope_code in _province_codes() and province_of(unit_code) == scope_code
