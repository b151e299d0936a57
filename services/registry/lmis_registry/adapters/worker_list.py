"""The list read model `worker_list`: written with each append, read by `GET /v1/workers`.

Each command's transaction upserts the file's row from its new state; an upsert never goes
back to an older version, so a rebuild racing a command (`rebuild.py`) cannot undo it.

Pages are ordered newest registration first (ties by id); the cursor is that sort key of the
last row, base64url-encoded: opaque to clients, and stable while rows are added or changed,
since neither column of the key ever changes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache, lru_cache
from typing import Any
from uuid import UUID

import asyncpg

from lmis_registry.adapters.text_search import like_word_prefix, search_key
from lmis_registry.application.ports import WorkerPage, WorkerSearch, WorkerSummary
from lmis_registry.domain.workers import IdentityStatus, WorkerFile, WorkerStatus
from lmis_shared import listing
from lmis_shared.contracts.registry import PriorityGroup
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.listing import Where
from lmis_shared.processing.copy_binary import (
    NULL,
    bigint_field,
    date_field,
    field_count,
    text_array_field,
    text_field,
    uuid_field,
)
from lmis_shared.rows import from_row
from lmis_shared.sql import in_schema, versioned_upsert

COLUMNS = (
    "worker_id",
    "version",
    "status",
    "full_name",
    "search_name",
    "commune_code",
    "province_code",
    "priority_groups",
    "registered_on",
    "destination_country",
    "programme",
    "sending_kind",
    "sending_name",
    "sending_licence",
    "departure_date",
    "identity_status",
)
_UPSERT = versioned_upsert("worker_list", COLUMNS)
REBUILT_UPSERT = versioned_upsert("worker_list", COLUMNS, same_version=True)
"""A rebuild's write: the same version is written again (the row may have been wrong), an
older one never over a newer one a command wrote meanwhile."""
_SELECT = (
    "select worker_id, version, status, full_name, commune_code, province_code,"
    " priority_groups, registered_on, destination_country, programme, departure_date,"
    " identity_status from {s}.worker_list"
)


def row_of(state: WorkerFile) -> tuple[Any, ...]:
    """The file's `worker_list` row, in `COLUMNS` order; an erased file's keeps no name."""
    contract, abroad = state.contract, state.abroad
    name = None if state.erasure else state.person.full_name
    sending = contract.sending_organisation if contract else None
    return (
        state.id,
        state.version,
        state.status.value,
        name,
        " " + search_key(name or ""),
        state.commune_code,
        state.province_code,
        [g.value for g in state.priority_groups],
        state.registered_on,
        contract.destination_country if contract else None,
        contract.programme if contract else None,
        sending.kind.value if sending else None,
        sending.name if sending else None,
        sending.licence_number if sending else None,
        abroad.departure_date if abroad else None,
        state.follow_up.identity.value,
    )


_START = field_count(len(COLUMNS))
_UUID = uuid_field(b"")
"""A uuid's length: its 16 bytes follow."""
_LENGTH = struct.Struct(">i").pack
_ENCODERS: tuple[Callable[[Any], bytes], ...] = (
    lambda worker_id: uuid_field(worker_id.bytes),
    bigint_field,
    *[text_field] * 5,  # status to province_code
    text_array_field,
    date_field,
    *[text_field] * 5,  # destination_country to sending_licence
    date_field,
    text_field,
)
_NO_CONTRACT = NULL * 6
"""The columns of a file not under contract nor abroad (`destination_country` to
`departure_date`): all NULL."""
# the columns a batch's rows share (statuses, areas, days): encoded once each
_few_texts = lru_cache(maxsize=4096)(text_field)
_dates = lru_cache(maxsize=4096)(date_field)
_versions = lru_cache(maxsize=64)(bigint_field)


def row_line(state: WorkerFile) -> bytes:
    """The file's row (`row_of`) as a binary COPY row (`processing/copy_binary.py`): nothing
    to escape here, nothing for the server to split, unescape or parse (its id, day and
    groups). Measured against the text line it replaced: 1.8 µs a row to write against 2.7,
    and the server's CPU for the list's COPY 7.7 µs a row against 8.0 (five alternating runs
    of 100,000 rows; its five indexes take most of it). A file an import opens (not erased,
    no contract, not abroad) is written at once, from columns encoded once a batch; any
    other column by column."""
    if state.erasure or state.contract or state.abroad:
        return binary_row(row_of(state))
    name = state.person.full_name
    full, key = name.encode(), (" " + search_key(name)).encode()
    return b"".join(
        (
            _START,
            _UUID,
            state.id.int.to_bytes(16),  # `UUID.bytes`, without its Python
            _versions(state.version),
            _few_texts(str(state.status)),  # `str` of a StrEnum: its value, in C
            _LENGTH(len(full)),
            full,
            _LENGTH(len(key)),
            key,
            _few_texts(state.commune_code),
            _few_texts(state.province_code),
            _groups(state.priority_groups),
            _dates(state.registered_on),
            _NO_CONTRACT,
            _few_texts(str(state.follow_up.identity)),
        )
    )


def binary_row(row: Sequence[Any]) -> bytes:
    """A `worker_list` row (`row_of`) as a binary COPY row, column by column."""
    return _START + b"".join(encode(value) for encode, value in zip(_ENCODERS, row, strict=True))


@cache
def _groups(groups: tuple[PriorityGroup, ...]) -> bytes:
    """A file's priority groups as a COPY field, kept: distinct groups of six (`_distinct`),
    so at most 1,957 lists, most files one of a few."""
    return text_array_field([g.value for g in groups])


async def upsert(conn: Connection, schema: str, states: Sequence[WorkerFile]) -> None:
    await conn.executemany(in_schema(_UPSERT, schema), [row_of(s) for s in states])


class PostgresWorkerList:
    """Implements the application's `WorkerListing` port."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def search(self, query: WorkerSearch) -> WorkerPage:
        where, args = _conditions(query)
        args.append(query.limit + 1)  # one more than asked tells whether a next page exists
        sql = (
            _SELECT
            + (" where " + " and ".join(where) if where else "")
            + f" order by registered_on desc, worker_id desc limit ${len(args)}"
        )
        rows = await self._pool.fetch(in_schema(sql, self._schema), *args)
        items = [_summary(r) for r in rows[: query.limit]]
        more = len(rows) > query.limit
        return WorkerPage(items, encode_cursor(items[-1]) if more and items else None)


def _conditions(q: WorkerSearch) -> tuple[list[str], list[Any]]:
    w = Where()
    w.in_area(q.scope, q.province_code, q.commune_code)
    if q.statuses:
        w.add("status = any(?::text[])", [s.value for s in q.statuses])
    w.equal({"destination_country": q.destination_country, "programme": q.programme})
    if q.sending_organisation is not None:
        w.add(
            "(sending_licence = ? or lower(sending_name) = lower(?) or sending_kind = ?)",
            *[q.sending_organisation] * 3,
        )
    if q.identity:
        w.add("identity_status = any(?::text[])", [s.value for s in q.identity])
    if q.priority_group is not None:
        w.add("priority_groups @> array[?::text]", q.priority_group.value)
    if q.departed_from is not None:
        w.add("departure_date >= ?", q.departed_from)
    if q.departed_to is not None:
        w.add("departure_date <= ?", q.departed_to)
    for word in search_key(q.text or "").split():
        w.add("search_name like ?", like_word_prefix(word))
    if q.cursor is not None:
        registered_on, worker_id = decode_cursor(q.cursor)
        w.add("(registered_on, worker_id) < (?, ?)", registered_on, worker_id)
    return w.conditions, w.args


def encode_cursor(last: WorkerSummary) -> str:
    return listing.encode_cursor([last.registered_on, str(last.id)])


def decode_cursor(cursor: str) -> tuple[date, UUID]:
    registered_on, worker_id = listing.decode_cursor(cursor, 2)
    try:
        return date.fromisoformat(registered_on), UUID(worker_id)
    except (ValueError, TypeError):
        raise listing.cursor_error() from None


def _summary(row: asyncpg.Record) -> WorkerSummary:
    return from_row(
        WorkerSummary,
        row,
        id=row["worker_id"],
        status=WorkerStatus(row["status"]),
        priority_groups=tuple(PriorityGroup(g) for g in row["priority_groups"]),
        identity=IdentityStatus(row["identity_status"]),
    )
