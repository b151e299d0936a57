"""From an imported row to the events of a new foreign worker file, with the API's own rules.

`build_row` builds the row into the API's command models (`build_command`): the registration,
then the permit or the exemption, then the end of employment, each present when one of its
columns is filled. `decide_row` decides them in that order with the domain's own `decide`
(each on the state the one before leaves), so a row is all its commands or none, and any
refusal lands on the column it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from uuid import UUID

from lmis_permits.application.import_template import END, EXEMPT, HEALTH, ISSUE, RESIDENCE
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.employers import Employer
from lmis_permits.domain.errors import HeadcountExceeded
from lmis_permits.domain.foreign_workers import (
    CertifyExemption,
    EndEmployment,
    FileCommand,
    IssuePermit,
    RecordHealthCheck,
    RegisterForeignWorker,
    RegisterResidence,
)
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.rules import PermitRules
from lmis_shared.errors import InvalidTransition
from lmis_shared.events import EventPayload
from lmis_shared.imports import Row, RowError, RowRejected, Table, build_command, decided

FOLLOW_UPS: tuple[tuple[str, type[FileCommand]], ...] = (
    (ISSUE, IssuePermit),
    (EXEMPT, CertifyExemption),
    (HEALTH, RecordHealthCheck),
    (RESIDENCE, RegisterResidence),
    (END, EndEmployment),  # last: an ended file takes no more commands
)
"""The later commands of a row, in the order they are decided."""

BOTH = "a row holds a work permit or an exemption, not both"


@dataclass(frozen=True)
class RowCommands:
    row: Row
    register: RegisterForeignWorker
    follow_ups: tuple[tuple[str, FileCommand], ...]
    """(group, command) of the row's later commands, in the order they are decided."""

    @property
    def engaged_on(self) -> date:
        assert self.register.engaged_on is not None  # the template requires it
        return self.register.engaged_on


def build_row(table: Table, row: Row) -> RowCommands:
    """The row's commands, or RowRejected with every problem of every command at once."""
    errors: list[RowError] = []
    register: RegisterForeignWorker | None = None
    try:
        register = build_command(table, row, RegisterForeignWorker)
    except RowRejected as rejected:
        errors += rejected.errors
    present = [(g, m) for g, m in FOLLOW_UPS if _has_group(row, g)]
    if _has_group(row, ISSUE) and _has_group(row, EXEMPT):
        errors.append(table.error(row, _first_field(row, EXEMPT), BOTH))
    follow_ups: list[tuple[str, FileCommand]] = []
    for group, model in present:
        try:
            follow_ups.append((group, build_command(table, row, model, group=group)))
        except RowRejected as rejected:
            errors += rejected.errors
    if errors or register is None:
        raise RowRejected(sorted(errors, key=lambda e: table.template.position(e.field)))
    return RowCommands(row, register, tuple(follow_ups))


def decide_row(
    table: Table,
    commands: RowCommands,
    file_id: UUID,
    employer: Employer,
    headcount: Headcount,
    today: date,
    rules: PermitRules,
) -> list[EventPayload]:
    """The new file's events: the registration, then each later command on the state the
    earlier ones left, exactly as the API would decide them one request after another."""
    row = commands.row
    register = partial(
        fw.decide,
        None,
        commands.register,
        today,
        rules=rules,
        employer=employer,
        headcount=headcount,
    )
    refused_on = {HeadcountExceeded: "position", InvalidTransition: "employer_tax_code"}
    events = decided(table, row, "", register, columns=refused_on)
    after = fw.AGGREGATE.fold_more(None, file_id, events)
    for group, command in commands.follow_ups:
        decide = partial(fw.decide, after, command, today, rules=rules)
        more = decided(table, row, group, decide, columns={HeadcountExceeded: "position"})
        after = fw.AGGREGATE.fold_more(after, file_id, more)
        events = events + more
    return events


def _has_group(row: Row, group: str) -> bool:
    return any(f.startswith(group + ".") for f in row.values)


def _first_field(row: Row, group: str) -> str:
    return next(f for f in row.values if f.startswith(group + "."))
