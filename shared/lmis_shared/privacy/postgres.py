"""`PostgresKeyStore`: the data keys in the service's schema (`person_keys`, created by each
producing service's migrations), on the caller's connection so that a key and the events it
seals commit together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from lmis_shared.migrations import apply_migrations, load_migrations
from lmis_shared.privacy.keys import LocalMasterKey, load_master_key
from lmis_shared.privacy.keystore import KeyRecord
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.rows import from_row
from lmis_shared.settings import CommonSettings, MasterKeySettings, PersonalDataSettings
from lmis_shared.sql import in_schema

MIGRATIONS = load_migrations("lmis_shared.privacy.migrations", "privacy")

_COLUMNS = "subject_id, wrapped_key, master_key_id, created_at, erased_at, erased_by, erased_why"
_FETCH = f"select {_COLUMNS} from {{s}}.person_keys where subject_id = any($1::uuid[])"  # noqa: S608
_CREATE = (
    "insert into {s}.person_keys (subject_id, wrapped_key, master_key_id, created_at)"
    " select * from unnest($1::uuid[], $2::bytea[], $3::text[], $4::timestamptz[])"
    " on conflict (subject_id) do nothing returning subject_id, wrapped_key, master_key_id,"
    " created_at, erased_at, erased_by, erased_why"
)
_ERASE = (
    "insert into {s}.person_keys (subject_id, created_at, erased_at, erased_by, erased_why)"
    " values ($1, $2, $2, $3, $4) on conflict (subject_id) do update set wrapped_key = null,"
    " master_key_id = null, erased_at = excluded.erased_at, erased_by = excluded.erased_by,"
    " erased_why = excluded.erased_why"
)
_LIVE = f"select {_COLUMNS} from {{s}}.person_keys where wrapped_key is not null"  # noqa: S608
_REWRAP = "update {s}.person_keys set wrapped_key = $2, master_key_id = $3 where subject_id = $1"


class PostgresKeyStore:
    """Implements `KeyStore`; `connection` is an asyncpg connection or pool."""

    def __init__(self, schema: str) -> None:
        self._fetch = in_schema(_FETCH, schema)
        self._create = in_schema(_CREATE, schema)
        self._erase = in_schema(_ERASE, schema)
        self._live = in_schema(_LIVE, schema)
        self._rewrap = in_schema(_REWRAP, schema)

    async def fetch(self, connection: Any, subjects: Sequence[UUID]) -> dict[UUID, KeyRecord]:
        rows = await connection.fetch(self._fetch, list(subjects))
        return {r["subject_id"]: _record(r) for r in rows}

    async def create(self, connection: Any, records: Sequence[KeyRecord]) -> dict[UUID, KeyRecord]:
        rows = await connection.fetch(
            self._create,
            [r.subject_id for r in records],
            [r.wrapped for r in records],
            [r.master_key_id for r in records],
            [r.created_at for r in records],
        )
        made = {r["subject_id"]: _record(r) for r in rows}
        raced = [r.subject_id for r in records if r.subject_id not in made]
        return made | (await self.fetch(connection, raced) if raced else {})

    async def erase(self, connection: Any, subject: UUID, at: datetime, by: str, why: str) -> None:
        await connection.execute(self._erase, subject, at, by, why)

    async def live(self, connection: Any) -> list[KeyRecord]:
        return [_record(r) for r in await connection.fetch(self._live)]

    async def rewrap(
        self, connection: Any, subject: UUID, wrapped: bytes, master_key_id: str
    ) -> None:
        await connection.execute(self._rewrap, subject, wrapped, master_key_id)


async def copy_new_keys(connection: Any, schema: str, records: Sequence[KeyRecord]) -> None:
    """Store the keys of subjects that have none yet, with COPY (a bulk import's thousands of
    new people): a subject that has one already violates the primary key and the COPY fails
    whole (asyncpg's UniqueViolationError), taking the caller's transaction with it."""
    await connection.copy_records_to_table(
        "person_keys",
        schema_name=schema,
        columns=["subject_id", "wrapped_key", "master_key_id", "created_at"],
        records=[(r.subject_id, r.wrapped, r.master_key_id, r.created_at) for r in records],
    )


def _record(row: asyncpg.Record) -> KeyRecord:
    return from_row(KeyRecord, row, wrapped=row["wrapped_key"])


def personal_data(settings: PersonalDataSettings, common: CommonSettings) -> PersonalData:
    """The sealing of a service's events: its master key and its schema's `person_keys`."""
    return PersonalData(PostgresKeyStore(settings.schema_name), master_key(settings, common))


def master_key(settings: MasterKeySettings, common: CommonSettings) -> LocalMasterKey:
    """A producer's master key, from the producer's settings (its own, or a key grant's)."""
    return load_master_key(
        mode=common.mode,
        keys_dir=common.keys_dir,
        key=settings.master_key,
        key_file=settings.master_key_file,
        previous_files=settings.previous_master_key_files,
        setting=f"{settings.model_config.get('env_prefix', 'LMIS_')}MASTER_KEY".upper(),
    )


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """Create `person_keys` in the schema of a service that keeps personal data."""
    await apply_migrations(pool, schema, MIGRATIONS)
