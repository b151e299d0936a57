"""A worker's batch of lines (`adapters/import_lines.py`) gives the service's process the same
COPY data as the rows' own lines joined as `save_prepared` joined them: events and keys in
file id order, list rows in the list's order, claims in key order; for the whole batch and
for any part of it (rows left out: repeats, files stored meanwhile, open files), and for rows
of two batches."""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from typing import NamedTuple
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from lmis_registry.adapters.bulk_files import claim_line
from lmis_registry.adapters.import_lines import (
    BatchLines,
    RowLines,
    StoredFile,
    batch_lines,
    copy_data,
)
from lmis_registry.adapters.worker_list import COLUMNS, binary_row
from lmis_shared.processing.copy_binary import read_date, read_fields


class Saved(NamedTuple):
    file_id: UUID
    stored: object


def _stored(file_id: UUID, name: str, registered_on: date, claims: bool) -> StoredFile:
    listed = [file_id, 1, "registered", name, name.lower(), "03640", "12", []]
    return StoredFile(
        events=file_id.bytes + name.encode(),  # a binary row's bytes, as far as joins go
        key=file_id.bytes + b"key-a",
        listed=binary_row([*listed, registered_on, None, None, None, None, None, None, "x"]),
        claim=claim_line(secrets.token_hex(32), file_id) if claims else None,
    )


def _made(specs: list[tuple[str, date, bool]]) -> list[tuple[UUID, StoredFile]]:
    ids = [uuid.uuid4() for _ in specs]
    return [(i, _stored(i, *spec)) for i, spec in zip(ids, specs, strict=True)]


def _batch(files: list[tuple[UUID, StoredFile]], registered: list[date]) -> BatchLines:
    stored = [s for _, s in files]
    return batch_lines(
        [s.events for s in stored],
        [s.key for s in stored],
        [s.listed for s in stored],
        [s.claim or b"" for s in stored],
        [i.int for i, _ in files],
        registered,
    )


def _as_joined_before(files: list[tuple[UUID, StoredFile]]) -> tuple[bytes, ...]:
    """`save_prepared`'s joins of each row's own lines, as they were."""
    stored = [s for _, s in sorted(files, key=lambda f: f[0].int)]
    # newest registration first, ties in descending id order (a stable sort)
    listed: list[bytes] = sorted(
        reversed([s.listed for s in stored]), key=_registered_on, reverse=True
    )
    return (
        b"".join(s.events for s in stored),
        b"".join(s.key for s in stored),
        b"".join(listed),
        b"".join(sorted(s.claim for s in stored if s.claim)),
    )


def _registered_on(row: bytes) -> date:
    day = read_date(read_fields(row, 0)[COLUMNS.index("registered_on")])
    assert day is not None
    return day


_files = st.lists(
    st.tuples(
        st.text(st.characters(codec="utf-8", exclude_characters='\\\t\n\r"\x00'), max_size=6),
        st.dates(date(2024, 1, 1), date(2024, 1, 5)),  # few dates: ties in the list's order
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


@given(_files, st.data())
def test_a_batchs_lines_or_any_part_of_them_are_the_rows_own_lines_joined_as_before(
    specs: list[tuple[str, date, bool]], data: st.DataObject
) -> None:
    files = _made(specs)
    batch = _batch(files, [spec[1] for spec in specs])
    kept = data.draw(st.lists(st.sampled_from(range(len(files))), unique=True, min_size=1))

    saved = [Saved(files[k][0], RowLines(batch, k)) for k in kept]

    assert [batch.row(k) for k in range(len(files))] == [s for _, s in files]
    assert copy_data(saved) == _as_joined_before([files[k] for k in kept])


@given(_files, _files)
def test_rows_of_two_batches_are_joined_as_before(
    first: list[tuple[str, date, bool]], second: list[tuple[str, date, bool]]
) -> None:
    saved, files = [], []
    for specs in (first, second):
        part = _made(specs)
        batch = _batch(part, [spec[1] for spec in specs])
        saved += [Saved(i, RowLines(batch, k)) for k, (i, _) in enumerate(part)]
        files += part

    assert copy_data(saved) == _as_joined_before(files)
