"""Bulk import of the province's existing permit register: each row becomes the API's own
commands (`import_rows.py`), decided by the domain, and is saved on its own, all of its
events or none, on the command path of the API's files (events, read-model row and headcount
re-check in one transaction, as a single API command is).

Row by row rather than in batches, because of the headcount rule: whether a row fits the
approved demand depends on every file registered before it, including the rows above it in
the same file, and the read model's headcount re-check is exact only for one registration per
transaction. A province's register holds thousands of rows, not hundreds of thousands.

Re-running is exact, as in the registry's import (read its reasoning in
`lmis_registry/application/imports.py`). A row's file id is derived, not drawn: uuid5 of the
keyed hash of the passport number, the employer's tax code and the first day of work, which
together identify one engagement whatever sheet, order or format it was read from. The file
is appended at expected version 0, so the events' primary key refuses a second import of it
inside the database even when two imports race; the import looks first and reports such rows
as skipped. Hashing under a key keeps the id from revealing the passport number. A file made
under this import's own correlation id was made by an earlier chunk of the same import (the
CLI sends a file in chunks): that row repeats an earlier row, a mistake in the file.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_permits.application.foreign_workers import PERMIT
from lmis_permits.application.import_rows import RowCommands, build_row, decide_row
from lmis_permits.application.import_template import PERMIT_TEMPLATE
from lmis_permits.application.ports import SOURCE
from lmis_permits.application.scope import changed
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.employers import Employer
from lmis_permits.domain.errors import HeadcountExceeded
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.passports import OpenPassportFileExists
from lmis_permits.domain.rules import PermitRules
from lmis_shared.auth import READ, WRITE, Authorizer, Principal
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, Streams
from lmis_shared.contracts.permits import PositionType
from lmis_shared.errors import ConcurrencyConflict, Forbidden
from lmis_shared.events import EventPayload
from lmis_shared.imports import ImportSummary, Row, RowError, RowRejected, Table, Template

FILE_ID_NAMESPACE = uuid.UUID("0d6c1e2a-7f43-5b9e-8c21-4a5e9b3f6d70")
BATCH_SIZE = 500
NO_EMPLOYER = "no employer is registered under it"
OUT_OF_SCOPE = "the employer is outside the administrative unit you may write in"
REPEATED = "repeats an earlier row of this import (same passport, employer and start date)"
OPEN_PASSPORT = "a foreign worker file with this passport and nationality is already open"
CANNOT_OPEN_HERE = "the file cannot be opened from here; the province office can say why"

Progress = Callable[[int], None]


def import_file_id(secret: bytes, passport_number: str, tax_code: str, engaged_on: date) -> UUID:
    """The id of the file a row opens: the keyed hash of what identifies the engagement."""
    message = f"{passport_number}|{tax_code}|{engaged_on.isoformat()}".encode()
    return uuid.uuid5(FILE_ID_NAMESPACE, hmac.new(secret, message, hashlib.sha256).hexdigest())


class PermitImportStore(Protocol):
    """What the import needs: PostgreSQL (`adapters/bulk_permits.py`) or a test's fake."""

    def file_id(self, passport_number: str, tax_code: str, engaged_on: date) -> UUID:
        """`import_file_id` under the service's key."""
        ...

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        """Those of `file_ids` that already have events → the correlation id that made them."""
        ...

    async def employer(self, tax_code: str) -> Employer | None: ...

    async def headcount(self, tax_code: str, position: PositionType, on: date) -> Headcount: ...

    @property
    def streams(self) -> Streams[fw.ForeignWorkerFile]:
        """The files' streams, as the API's command path writes them: a save raises the store's
        WrongExpectedVersion (the file exists) or HeadcountExceeded (the read model found the
        position full) and saves nothing."""
        ...


class PermitImports:
    def __init__(
        self,
        store: PermitImportStore,
        clock: Clock,
        authorizer: Authorizer,
        rules: PermitRules,
        *,
        template: Template = PERMIT_TEMPLATE,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._store = store
        self._commands = CommandPath(fw.AGGREGATE, store.streams, clock, SOURCE)
        self._clock = clock
        self._authorizer = authorizer
        self._rules = rules
        self.template = template
        self._batch_size = batch_size

    async def run(
        self, table: Table, ctx: CommandContext, progress: Progress | None = None
    ) -> ImportSummary:
        """Import `table`'s rows; `progress(n)` hears of every `n` rows dealt with."""
        self.authorise(ctx.principal)
        run = _Run(
            self._store, self._commands, self._authorizer, self._rules, self._clock, table, ctx
        )
        for rows in _batches(table.rows, self._batch_size):
            await run.batch(rows)
            if progress:
                progress(len(rows))
        return run.summary

    def authorise(self, principal: Principal) -> None:
        """The caller's role must let it write permits somewhere (rows are checked one by one
        against their employer's commune)."""
        if not (
            self._authorizer.allows(principal, WRITE, None, PERMIT)
            or self._authorizer.allows(principal, WRITE, principal.scope, PERMIT)
        ):
            raise Forbidden(f"role {principal.role} may not write {PERMIT} files")


class _Run:
    """One import: what it has seen so far (file ids by row, employers by tax code)."""

    def __init__(
        self,
        store: PermitImportStore,
        commands: CommandPath[fw.ForeignWorkerFile],
        authorizer: Authorizer,
        rules: PermitRules,
        clock: Clock,
        table: Table,
        ctx: CommandContext,
    ) -> None:
        self.summary = ImportSummary(rows=len(table.rows), unrecognised_columns=table.unrecognised)
        self._store = store
        self._commands = commands
        self._authorizer = authorizer
        self._rules = rules
        self._table = table
        # the file's stream is the row's idempotency record, and a row has no version to match
        self._ctx = replace(ctx, idempotency_key=None, if_match=None)
        self._today = clock.today()
        self._seen: dict[UUID, int] = {}
        self._employers: dict[str, Employer | None] = {}

    async def batch(self, rows: Sequence[Row]) -> None:
        built, errors = await asyncio.to_thread(_build_all, self._table, rows)
        self.summary.errors += errors
        ids = [self._file_id(c) for c in built]
        existing = await self._store.existing(ids)
        for commands, file_id in zip(built, ids, strict=True):
            try:
                await self._one(commands, file_id, existing.get(file_id))
            except RowRejected as rejected:
                self.summary.errors += rejected.errors

    def _file_id(self, commands: RowCommands) -> UUID:
        register = commands.register
        return self._store.file_id(
            register.passport_number, register.employer_tax_code, commands.engaged_on
        )

    async def _one(self, commands: RowCommands, file_id: UUID, made_by: UUID | None) -> None:
        row = commands.row
        if file_id in self._seen:
            reason = f"repeats row {self._seen[file_id]} (same passport, employer and start date)"
            raise RowRejected([self._table.error(row, "passport_number", reason)])
        self._seen[file_id] = row.number
        if made_by == self._ctx.correlation_id:
            raise RowRejected([self._table.error(row, "passport_number", REPEATED)])
        if made_by is not None:
            self.summary.skipped_rows.append(row.number)
            return
        events = await self._decide(commands, file_id)
        opened = Command[fw.ForeignWorkerFile](
            "import-permit-row",
            file_id,
            {"row": row.number},
            decide=lambda _: events,
            respond=changed,
            creates=True,
        )
        try:
            await self._commands.run(opened, self._ctx)
        except ConcurrencyConflict:  # another import saved this very file since we looked
            self.summary.skipped_rows.append(row.number)
            return
        except HeadcountExceeded as full:  # another registration took the last place
            raise RowRejected([self._table.error(row, "position", str(full))]) from None
        except OpenPassportFileExists as open_file:  # said only to who may read that file
            holder, principal = open_file.holder_commune, self._ctx.principal
            seen = holder and self._authorizer.allows(principal, READ, holder, PERMIT)
            reason = OPEN_PASSPORT if seen else CANNOT_OPEN_HERE
            raise RowRejected([self._table.error(row, "passport_number", reason)]) from None
        self.summary.imported += 1

    async def _decide(self, commands: RowCommands, file_id: UUID) -> list[EventPayload]:
        row, register = commands.row, commands.register
        employer = await self._employer(register.employer_tax_code)
        if employer is None:
            raise RowRejected([self._table.error(row, "employer_tax_code", NO_EMPLOYER)])
        if not self._authorizer.allows(self._ctx.principal, WRITE, employer.commune_code, PERMIT):
            raise RowRejected([self._table.error(row, "employer_tax_code", OUT_OF_SCOPE)])
        headcount = await self._store.headcount(
            employer.tax_code, register.position, commands.engaged_on
        )
        return decide_row(
            self._table, commands, file_id, employer, headcount, self._today, self._rules
        )

    async def _employer(self, tax_code: str) -> Employer | None:
        if tax_code not in self._employers:
            self._employers[tax_code] = await self._store.employer(tax_code)
        return self._employers[tax_code]


def _build_all(table: Table, rows: Sequence[Row]) -> tuple[list[RowCommands], list[RowError]]:
    built: list[RowCommands] = []
    errors: list[RowError] = []
    for row in rows:
        try:
            built.append(build_row(table, row))
        except RowRejected as rejected:
            errors += rejected.errors
    return built, errors


def _batches(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
