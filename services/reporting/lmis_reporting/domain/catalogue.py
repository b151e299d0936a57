"""The indicators the reporting service publishes, with their definitions in both languages.

Definitions are what a statistician reads to know what a number counts; the code is what the
projection writes into `indicator_counts.indicator` and what the API takes in its path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorDefinition:
    code: str
    unit_of_measure: str
    definition_en: str
    definition_vi: str


CATALOGUE: tuple[IndicatorDefinition, ...] = (
    IndicatorDefinition(
        code="workers_registered",
        unit_of_measure="persons",
        definition_en=(
            "Workers registered to go abroad to work on a fixed-term contract, counted in the"
            " period and the administrative unit of residence in which they registered."
        ),
        definition_vi="Người lao động đăng ký đi làm việc ở nước ngoài",
    ),
)

_BY_CODE = {definition.code: definition for definition in CATALOGUE}


def find_indicator(code: str) -> IndicatorDefinition | None:
    return _BY_CODE.get(code)
