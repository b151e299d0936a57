"""Nationalities as ISO 3166-1 alpha-2 codes, from a table shipped with the package.

`pycountry` is not a dependency; the table (`data/iso3166_alpha2.tsv`) says where it comes from.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

VIETNAM = "VN"


@cache
def countries() -> dict[str, str]:
    """Alpha-2 code → English short name."""
    text = files("lmis_permits.domain").joinpath("data", "iso3166_alpha2.tsv").read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {code: name for code, name in rows}


def is_country(code: str) -> bool:
    return code in countries()


def country_name(code: str) -> str | None:
    return countries().get(code)
