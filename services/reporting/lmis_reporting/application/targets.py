"""Setting and listing targets. Nothing here knows HTTP or SQL.

Setting a target needs a grant to write `target` whose scope covers the unit (a province
officer for the province and what lies under it, or an admin). The change is recorded as an
event of the service's own event store, with the officer as its actor, atomically with the
row the reads use (`TargetLedger.record`). Setting a target to what it already is records
nothing: a repeated request changes nothing, so it is safe to retry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol
from uuid import UUID

from lmis_reporting.application.queries import UnitReader, scope_unit
from lmis_reporting.domain.catalogue import find_indicator
from lmis_reporting.domain.errors import UnitNotFound, UnknownIndicator
from lmis_reporting.domain.targets import Target, TargetKind, check_target
from lmis_reporting.domain.units import Hierarchy, Unit
from lmis_shared import errors
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.contracts.reporting import TargetComparison
from lmis_shared.eventstore import AppendContext, WrongExpectedVersion

SOURCE = "/lmis/reporting"


class TargetLedger(Protocol):
    async def find(
        self,
        indicator: str,
        hierarchy: Hierarchy,
        unit_code: str,
        year: int,
        kind: TargetKind = "target",
    ) -> Target | None: ...

    async def list(
        self, hierarchy: Hierarchy, unit_code: str, year: int | None
    ) -> list[Target]: ...

    async def record(self, target: Target, context: AppendContext) -> Target:
        """Append the change after `target.version` and write the row; returns it as stored."""
        ...


@dataclass(frozen=True)
class SetTarget:
    indicator: str
    hierarchy: Hierarchy
    unit_code: str
    year: int
    value: float
    source: str
    comparison: TargetComparison = TargetComparison.at_least
    first_year: int | None = None
    """None: the target covers `year` alone."""


@dataclass(frozen=True)
class Caller:
    principal: Principal
    correlation_id: UUID
    traceparent: str | None = None


class TargetCommands:
    def __init__(
        self, units: UnitReader, ledger: TargetLedger, authorizer: Authorizer, clock: Clock
    ) -> None:
        self._units = units
        self._ledger = ledger
        self._authorizer = authorizer
        self._clock = clock

    async def set_target(self, caller: Caller, command: SetTarget) -> Target:
        """The target as stored after the command (unchanged if it already said the same)."""
        indicator = find_indicator(command.indicator)
        if indicator is None:
            raise UnknownIndicator(command.indicator, field="indicator")
        unit = await self._unit(command.hierarchy, command.unit_code, "target_unit")
        self._authorizer.check(caller.principal, WRITE, scope_unit(unit), "target")
        first_year = command.first_year if command.first_year is not None else command.year
        check_target(indicator, command.year, first_year, command.value)
        current = await self._ledger.find(
            command.indicator, command.hierarchy, command.unit_code, command.year
        )
        wanted = Target(
            indicator=command.indicator,
            hierarchy=command.hierarchy,
            unit_code=command.unit_code,
            year=command.year,
            first_year=first_year,
            value=command.value,
            comparison=command.comparison,
            source=command.source,
            version=current.version if current is not None else 0,
        )
        if current is not None and _same(current, wanted):
            return current
        try:
            return await self._ledger.record(wanted, self._context(caller))
        except WrongExpectedVersion as stale:  # another officer set it in between
            raise errors.ConcurrencyConflict(stale.expected_version, stale.actual_version) from None

    async def list_targets(
        self, principal: Principal, hierarchy: Hierarchy, unit_code: str, year: int | None
    ) -> list[Target]:
        """The unit's targets and baselines (of one year, or all)."""
        unit = await self._unit(hierarchy, unit_code, "unit")
        self._authorizer.check(principal, READ, scope_unit(unit), "target")
        return await self._ledger.list(hierarchy, unit_code, year)

    async def _unit(self, hierarchy: Hierarchy, code: str, field: str) -> Unit:
        found = await self._units.get(hierarchy, code)
        if found is None:
            raise UnitNotFound(code, hierarchy, field)
        return found

    def _context(self, caller: Caller) -> AppendContext:
        return AppendContext(
            actor=caller.principal.subject,
            correlation_id=caller.correlation_id,
            causation_id=None,
            traceparent=caller.traceparent,
            source=SOURCE,
            recorded_at=self._clock.now(),
        )


def _same(current: Target, wanted: Target) -> bool:
    return (
        replace(wanted, set_by=current.set_by, set_at=current.set_at, kind=current.kind) == current
    )
