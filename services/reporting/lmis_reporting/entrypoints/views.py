"""The reporting API's request and response models, and how each is made from the application's
answers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lmis_reporting.application.queries import IndicatorValue, TargetView
from lmis_reporting.application.targets import target_body
from lmis_reporting.domain.catalogue import IndicatorDefinition, Kind
from lmis_reporting.domain.targets import Target, TargetKind
from lmis_reporting.domain.units import Hierarchy, Level, Unit
from lmis_shared.contracts.reporting import TargetComparison

# -- units -------------------------------------------------------------------------------------


class UnitOut(BaseModel):
    code: str
    name: str
    level: Level
    parent: str | None

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        return cls(code=unit.code, name=unit.name, level=unit.level, parent=unit.parent_code)


class UnitList(BaseModel):
    items: list[UnitOut]


class UnitDetailOut(UnitOut):
    hierarchy: Hierarchy
    ancestors: list[UnitOut]
    """From the province down to the parent."""


# -- indicators --------------------------------------------------------------------------------


class IndicatorOut(BaseModel):
    code: str
    kind: Kind
    """`flow`: summed over a period; `stock`: counted on a date (`as_of`)."""
    unit_of_measure: str
    definition_en: str
    definition_vi: str
    dimensions: list[str]
    """What `by` may name."""

    @classmethod
    def of(cls, d: IndicatorDefinition) -> IndicatorOut:
        return cls.model_validate(d, from_attributes=True)


class IndicatorList(BaseModel):
    items: list[IndicatorOut]


class TargetDetailOut(BaseModel):
    basis: str
    """`year`; `pro_rated` (a yearly flow target scaled to a month or quarter); `span` (a
    target over several years, compared with the value over all of them)."""
    first_year: int
    last_year: int
    comparison: TargetComparison
    compared_value: int | float | None
    """The value the target was compared with (over the span, for `span`)."""
    met: bool | None
    source: str
    set_by: str

    @classmethod
    def of(cls, view: TargetView) -> TargetDetailOut:
        target = view.applied.target
        return cls(
            basis=view.applied.basis,
            first_year=target.first_year,
            last_year=target.year,
            comparison=target.comparison,
            compared_value=view.compared_value,
            met=view.met,
            source=target.source,
            set_by=target.set_by,
        )


class IndicatorValueOut(BaseModel):
    indicator: str
    kind: Kind
    unit_of_measure: str
    hierarchy: Hierarchy
    unit: str
    unit_name: str
    period: str | None
    period_start: date | None
    period_end: date | None
    as_of: date | None
    """The date a stock was counted on (null for a flow)."""
    value: int | float | None
    """Null for a ratio whose denominator is zero."""
    target: float | None
    progress: float | None
    """`value / target`; null without a target."""
    target_detail: TargetDetailOut | None
    by: str | None
    breakdown: dict[str, int | float | None] | None
    """With `by`: the value per value of the dimension (for a ratio, the ratio in each)."""
    forecast: float | None = None
    """This year's flow with a yearly target: the expected value at 31 December."""
    forecast_method: str | None = None
    """`seasonal (2023, 2024, 2025)`: so far over the share the same span held in those
    years; `straight_line`: so far carried on at the same daily pace."""
    on_track: bool | None = None
    """Whether the forecast meets the target."""

    @classmethod
    def of(cls, found: IndicatorValue) -> IndicatorValueOut:
        view, period, pace = found.target, found.period, found.pace
        return cls(
            indicator=found.indicator.code,
            kind=found.indicator.kind,
            unit_of_measure=found.indicator.unit_of_measure,
            hierarchy=found.unit.hierarchy,
            unit=found.unit.code,
            unit_name=found.unit.name,
            period=period.label if period else None,
            period_start=period.start if period else None,
            period_end=period.end if period else None,
            as_of=found.as_of,
            value=found.value,
            target=view.applied.value if view else None,
            progress=view.progress if view else None,
            target_detail=TargetDetailOut.of(view) if view else None,
            by=found.by,
            breakdown=dict(found.breakdown) if found.breakdown is not None else None,
            forecast=round(pace.forecast, 1) if pace else None,
            forecast_method=pace.label if pace else None,
            on_track=pace.on_track if pace else None,
        )


# -- targets -----------------------------------------------------------------------------------


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float = Field(
        allow_inf_nan=False,
        description="a count, an amount in VND, or a share (0 to 1) for a ratio",
    )
    comparison: TargetComparison = TargetComparison.at_least
    first_year: int | None = Field(
        None, description="first year a total over several years covers (default: the year)"
    )
    source: str = Field(min_length=1, max_length=500, description="the plan or decision")


# the body of `application.targets.target_body` (no docstring: it would enter the OpenAPI)
class TargetOut(BaseModel):
    indicator: str
    hierarchy: Hierarchy
    unit: str
    year: int
    first_year: int
    kind: TargetKind
    value: float
    comparison: TargetComparison
    source: str
    set_by: str
    """The officer id of the last change; `seed` for a target loaded with the platform."""
    set_at: datetime | None
    version: int

    @classmethod
    def of(cls, target: Target) -> TargetOut:
        return cls.model_validate(target_body(target))


class TargetList(BaseModel):
    items: list[TargetOut]
