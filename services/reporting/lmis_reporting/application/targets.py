"""Setting and listing targets. Nothing here knows HTTP or SQL.

Setting a target needs a grant to write `target` whose scope covers the unit (a province
officer for the province and what lies under it, or an admin). It is a command on the
target's stream (`domain/targets.py`) run through the shared command path, so it takes an
Idempotency-Key and an If-Match like every command; the event (with the officer as its actor)
and the row the reads use are written in one transaction (the `ReadModel` the adapters give
`Streams`). Setting a target to what it already says records nothing: a retry is harmless.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lmis_reporting.application.ports import TargetReader, UnitReader
from lmis_reporting.application.queries import find_unit, scope_unit
from lmis_reporting.domain import targets
from lmis_reporting.domain.catalogue import find_indicator
from lmis_reporting.domain.errors import UnknownIndicator
from lmis_reporting.domain.targets import SetTarget, Target, TargetState
from lmis_reporting.domain.units import Hierarchy
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import (
    Command,
    CommandContext,
    CommandPath,
    CommandResult,
    Streams,
)
from lmis_shared.events import EventPayload

SOURCE = "/lmis/reporting"


class TargetCommands:
    def __init__(
        self,
        units: UnitReader,
        rows: TargetReader,
        streams: Streams[TargetState],
        authorizer: Authorizer,
        clock: Clock,
    ) -> None:
        self._units = units
        self._rows = rows
        self._path = CommandPath(targets.AGGREGATE, streams, clock, SOURCE)
        self._authorizer = authorizer
        self._clock = clock

    async def set_target(self, ctx: CommandContext, command: SetTarget) -> CommandResult:
        """The target as stored after the command (unchanged if it already said the same)."""
        indicator = find_indicator(command.indicator)
        if indicator is None:
            raise UnknownIndicator(command.indicator, field="indicator")
        unit = await find_unit(self._units, command.hierarchy, command.unit_code, "target_unit")
        row = await self._rows.find(
            command.indicator, command.hierarchy, command.unit_code, command.year
        )
        seeded = row if row is not None and row.version == 0 else None
        # one instant for the event, the row and the answer
        at = self._clock.now()

        def authorise(_: TargetState | None) -> None:
            self._authorizer.check(ctx.principal, WRITE, scope_unit(unit), "target")

        def decide(state: TargetState | None) -> list[EventPayload]:
            return targets.decide(state, command, indicator=indicator, seeded=seeded)

        def respond(state: TargetState) -> dict[str, Any]:
            if row is not None and row.version == state.version:  # nothing was set
                return target_body(row)
            return target_body(state.target(ctx.principal.subject, at))

        stream_id = targets.target_stream_id(
            command.indicator, command.hierarchy, command.unit_code, command.year
        )
        run = Command(
            "set_target",
            stream_id,
            asdict(command),
            decide,
            respond,
            authorise,
            creates=row is None or seeded is not None,
            # the stream's key is natural: a retry is the same request whether or not the
            # first one started the stream
            target=str(stream_id),
        )
        if seeded is not None:
            # a seed has a row but no stream yet, and a command that starts a stream must
            # record an event: saying again what the seed says is answered here
            authorise(None)
            if not decide(None):
                return CommandResult(200, target_body(seeded))
        return await self._path.run(run, ctx, at=at)

    async def list_targets(
        self, principal: Principal, hierarchy: Hierarchy, unit_code: str, year: int | None
    ) -> list[Target]:
        """The unit's targets and baselines (of one year, or all)."""
        unit = await find_unit(self._units, hierarchy, unit_code, "unit")
        self._authorizer.check(principal, READ, scope_unit(unit), "target")
        return await self._rows.list(hierarchy, unit_code, year)


def target_body(target: Target) -> dict[str, Any]:
    """A target as the API shows it (`entrypoints/views.py: TargetOut`), in JSON values."""
    return {
        "indicator": target.indicator,
        "hierarchy": target.hierarchy,
        "unit": target.unit_code,
        "year": target.year,
        "first_year": target.first_year,
        "kind": target.kind,
        "value": target.value,
        "comparison": target.comparison.value,
        "source": target.source,
        "set_by": target.set_by,
        "set_at": target.set_at.isoformat() if target.set_at is not None else None,
        "version": target.version,
    }
