"""Field shapes shared by the permits commands. Messages never repeat the value they refuse."""

from __future__ import annotations

import re
from collections.abc import Callable

from lmis_permits.domain import nationalities
from lmis_shared.reference import units
from lmis_shared.text import clean_text

# 10 digits for an enterprise, plus "-NNN" for a branch (Law on Tax Administration 2019).
TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")
# ICAO 9303 allows 9 characters in the machine-readable zone; some states issue longer ones.
_PASSPORT = re.compile(r"^[A-Z0-9]{5,12}$")
_CARD_NUMBER = re.compile(r"^[A-Z0-9]{6,20}$")


def optional(check: Callable[[str], str]) -> Callable[[str | None], str | None]:
    """`check` as the validator of a field that may be absent (None passes unchecked)."""

    def validate(value: str | None) -> str | None:
        return None if value is None else check(value)

    return validate


def tax_code(value: str) -> str:
    value = value.strip()
    if not TAX_CODE.match(value):
        raise ValueError("must be 10 digits, or 10 digits, '-' and 3 digits for a branch")
    return value


def commune_code(value: str) -> str:
    if not units.is_commune(value):
        raise ValueError("is not a current commune code")
    return value


def nationality(value: str) -> str:
    value = value.strip().upper()
    if not nationalities.is_country(value):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, e.g. 'KR'")
    if value == nationalities.VIETNAM:
        raise ValueError("a Vietnamese citizen is not a foreign worker")
    return value


def passport_number(value: str) -> str:
    value = "".join(value.split()).upper()
    if not _PASSPORT.match(value) or not any(c.isdigit() for c in value):
        raise ValueError("must be 5 to 12 letters and digits, with at least one digit")
    return value


def document_number(value: str) -> str:
    """Permit, decision and certificate numbers, e.g. '123/QĐ-UBND' or 'LA-2023-000123'."""
    value = clean_text(value)
    shaped = 2 <= len(value) <= 40 and all(c.isalnum() or c in "/.- " for c in value)
    if not shaped or not any(c.isdigit() for c in value):
        raise ValueError("must be 2 to 40 letters, digits, spaces, '/', '.' or '-', with a digit")
    return value


def card_number(value: str) -> str:
    value = "".join(value.split()).upper()
    if not _CARD_NUMBER.match(value):
        raise ValueError("must be 6 to 20 letters and digits")
    return value
