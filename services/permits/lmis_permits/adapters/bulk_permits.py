"""The permit-register import on PostgreSQL: the streams and read model of the API (each row
is saved as a command is, by `PostgresStreams` with `PermitsReadModel`), plus one look at
which of a batch's files already exist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg

from lmis_permits.adapters.postgres import PermitsReadModel, PostgresPermitsReads
from lmis_permits.application.imports import import_file_id
from lmis_permits.domain import employers
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.errors import EmployerNotFound
from lmis_permits.domain.headcount import Headcount
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.contracts.permits import PositionType
from lmis_shared.imports.postgres import opened_by
from lmis_shared.privacy.personal import PersonalData


class PostgresPermitImports:
    """Implements the application's `PermitImportStore` port."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        lookup_secret: bytes,
        personal: PersonalData | None = None,
    ) -> None:
        self._pool = pool
        self._schema = schema
        self._secret = lookup_secret
        self._streams = PostgresStreams[fw.ForeignWorkerFile](
            pool, schema, PermitsReadModel(schema, lookup_secret), personal
        )
        self._reads = PostgresPermitsReads(pool, schema)

    @property
    def streams(self) -> PostgresStreams[fw.ForeignWorkerFile]:
        return self._streams

    def file_id(self, passport_number: str, tax_code: str, engaged_on: date) -> UUID:
        return import_file_id(self._secret, passport_number, tax_code, engaged_on)

    async def existing(self, file_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        return await opened_by(self._pool, self._schema, file_ids)

    async def employer(self, tax_code: str) -> employers.Employer | None:
        stream_id = employers.employer_stream_id(tax_code)
        try:
            return employers.AGGREGATE.fold_recorded(stream_id, await self._streams.read(stream_id))
        except EmployerNotFound:
            return None

    async def headcount(self, tax_code: str, position: PositionType, on: date) -> Headcount:
        return await self._reads.headcount(tax_code, position, on)
