"""Reference data a contract is checked against: countries and programmes, as data.

Countries come from `iso3166.tsv` (ISO 3166-1 alpha-2, shipped with the package because no
country package is installed). Programmes are a table, not code: a new programme (or a new
destination of one) is a new row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

HOME_COUNTRY = "VN"


@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English short name."""
    text = files("lmis_registry.domain.workers").joinpath("iso3166.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {code: name for code, name in rows}


def is_country(code: str) -> bool:
    return code in countries()


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    destinations: frozenset[str] | None
    """The only countries it sends to; None: any country."""

    def sends_to(self, country: str) -> bool:
        return self.destinations is None or country in self.destinations


PROGRAMMES: dict[str, Programme] = {
    p.code: p
    for p in (
        Programme("korea_eps", "Korea, Employment Permit System (EPS)", frozenset({"KR"})),
        Programme("korea_seasonal", "Korea, seasonal work", frozenset({"KR"})),
        Programme("japan_technical_intern", "Japan, technical intern training", frozenset({"JP"})),
        Programme("japan_specified_skilled", "Japan, specified skilled worker", frozenset({"JP"})),
        Programme("germany_skilled", "Germany, skilled workers and nursing", frozenset({"DE"})),
        Programme("contract_labour", "Contract labour through a sending organisation", None),
        Programme("other", "Other", None),
    )
}
