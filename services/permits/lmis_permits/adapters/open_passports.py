"""The one-open-file-per-passport claims on PostgreSQL (`domain/passports.py` says why).

`sync` moves a file's claim in the append's transaction: released when the file ends or is
erased, taken when it opens; a claim already held by another file refuses the append
(`OpenPassportFileExists`, rolled back with it). A racing claim of the same key waits for the
first transaction, then finds the row: never both.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from uuid import UUID

from lmis_permits.domain.passports import OpenPassportFileExists, passport_claim
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.sql import in_schema

_CLAIM = (
    "insert into {s}.open_passports (passport_key, file_id) values ($1, $2)"
    " on conflict (passport_key) do nothing returning file_id"
)
_RELEASE = "delete from {s}.open_passports where file_id = $1"
_HOLDER = (
    "select w.commune_code from {s}.open_passports o join {s}.foreign_workers w"
    " on w.id = o.file_id where o.passport_key = $1"
)


def passport_key(secret: bytes, state: object) -> str | None:
    claim = passport_claim(state)
    return None if claim is None else hmac.new(secret, claim.encode(), hashlib.sha256).hexdigest()


async def sync(
    conn: Connection, schema: str, secret: bytes, file_id: UUID, before: object, after: object
) -> None:
    held, wanted = passport_key(secret, before), passport_key(secret, after)
    if held == wanted:
        return
    if held is not None:
        await conn.execute(in_schema(_RELEASE, schema), file_id)
    if wanted is not None:
        claimed = await conn.fetchval(in_schema(_CLAIM, schema), wanted, file_id)
        if claimed is None:
            raise OpenPassportFileExists(await conn.fetchval(in_schema(_HOLDER, schema), wanted))


async def refill(
    conn: Connection, schema: str, secret: bytes, files: Iterable[tuple[UUID, object]]
) -> None:
    """Claims from folded states (a rebuild; the table emptied first). A key claimed twice
    (files opened before the rule existed) stays with the first file."""
    rows = [(key, file_id) for file_id, s in files if (key := passport_key(secret, s))]
    await conn.execute(in_schema("truncate {s}.open_passports", schema))
    await conn.executemany(
        in_schema(
            "insert into {s}.open_passports (passport_key, file_id) values ($1, $2)"
            " on conflict do nothing",
            schema,
        ),
        rows,
    )
