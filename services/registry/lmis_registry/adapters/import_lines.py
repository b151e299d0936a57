"""A prepared batch's COPY lines as they cross from an import's worker process to the
service's: joined in the worker, in the order each table is written, with where each row's
lines are, so the service's process COPYs them as they come.

A worker handed back each row's four lines (events, data key, list row, claim) as strings,
and the service's process unpickled them, made a tuple a row, sorted the rows and joined and
encoded each table's lines: about 3 µs of its CPU a row (0.8 unpickling, 0.6 the tuples, 1.5
the sorts and joins, measured over 20,000 rows). The worker now sorts and joins its batch as
`PostgresBulkFiles.save_prepared` did (events and keys in file id order, list rows in the
list's order, claims in key order) and hands back four byte strings and the offsets of the
rows in them (all four binary COPY rows since: `copy_rows`, `worker_list.row_line`). The
worker's CPU stayed the same (the sorts and joins it took on, 1.1 µs a row, against the
pickling it saved); the service's fell by 2.5-3 µs a row (bench/import_workers.py). A batch
saved whole (every prepared row new: an import's usual case) is COPYed as it came; a batch
with rows left out (repeats, files stored meanwhile, open files) takes each kept row's lines
back out and joins them as before, in the same orders.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import accumulate
from typing import NamedTuple, Protocol, cast
from uuid import UUID


class StoredFile(NamedTuple):
    """A prepared file's rows, each a binary COPY row: its events and data key
    (`copy_rows`), its list row (`worker_list.row_line`) and its claim."""

    events: bytes
    key: bytes
    listed: bytes
    claim: bytes | None
    """Its open-file claim's row (`bulk_files.claim_line`; None: it takes none)."""


class Joined(NamedTuple):
    """One table's lines of a batch, joined and encoded, in the order they are written."""

    data: bytes
    starts: array[int]
    """Where each line starts in `data`, in that order (and where the last ends)."""
    at: array[int]
    """Each prepared row's place in that order (-1: it has no line in this table)."""

    def row(self, k: int) -> bytes:
        """Row `k`'s line (empty if it has none)."""
        place = self.at[k]
        return b"" if place < 0 else self.data[self.starts[place] : self.starts[place + 1]]


class BatchLines(NamedTuple):
    """The lines of a batch's new files (`size` rows, numbered in the batch's order)."""

    size: int
    events: Joined
    keys: Joined
    listed: Joined
    claims: Joined
    registered: array[int]
    """Each row's registration day (its ordinal): where its list row goes."""

    def row(self, k: int) -> StoredFile:
        """Row `k`'s own lines."""
        return StoredFile(
            self.events.row(k), self.keys.row(k), self.listed.row(k), self.claims.row(k) or None
        )


class RowLines(NamedTuple):
    """A prepared row's lines: row `k` of `batch` (`PreparedFile.stored`)."""

    batch: BatchLines
    k: int


def _places(order: list[int], size: int) -> array[int]:
    at = array("q", [-1]) * size
    for place, k in enumerate(order):
        at[k] = place
    return at


def _joined_rows(rows: Sequence[bytes], order: list[int], at: array[int]) -> Joined:
    ordered = [rows[k] for k in order]
    return Joined(b"".join(ordered), array("q", accumulate(map(len, ordered), initial=0)), at)


def batch_lines(
    events: Sequence[bytes],
    keys: Sequence[bytes],
    listed: Sequence[bytes],
    claims: Sequence[bytes],
    ids: Sequence[int],
    registered: Sequence[date],
) -> BatchLines:
    """The batch's rows in the orders `PostgresBulkFiles.save_prepared` writes them: row k's
    binary rows `events[k]`, `keys[k]`, `listed[k]` and `claims[k]` (b"": none), its file
    id's integer `ids[k]`, its registration date `registered[k]` (its list row's)."""
    size = len(ids)
    by_id = sorted(range(size), key=ids.__getitem__)
    # `in_list_order` of the rows in descending id order (a stable sort: ties keep that
    # order), by the dates the rows were written from
    in_list = sorted(reversed(by_id), key=registered.__getitem__, reverse=True)
    claiming = sorted((k for k, c in enumerate(claims) if c), key=claims.__getitem__)
    at = _places(by_id, size)
    return BatchLines(
        size,
        _joined_rows(events, by_id, at),
        _joined_rows(keys, by_id, at),
        _joined_rows(listed, in_list, _places(in_list, size)),
        _joined_rows(claims, claiming, _places(claiming, size)),
        array("q", map(date.toordinal, registered)),
    )


class SavedFile(Protocol):
    """A prepared file being saved (`PreparedFile`)."""

    @property
    def file_id(self) -> UUID: ...

    @property
    def stored(self) -> object: ...


def copy_data(files: Sequence[SavedFile]) -> tuple[bytes, bytes, bytes, bytes]:
    """The events' and data keys' (binary rows), list rows' and claims' COPY data of `files`
    (each `stored` a `RowLines`): events and keys in file id order, list rows in the list's
    order, claims in key order."""
    rows = [cast(RowLines, f.stored) for f in files]
    batch = rows[0].batch
    whole = len(rows) == batch.size and all(r.batch is batch for r in rows)
    if whole and len({r.k for r in rows}) == batch.size:  # the whole batch: as it came
        return batch.events.data, batch.keys.data, batch.listed.data, batch.claims.data
    ordered = [r for _, r in sorted(zip(files, rows, strict=True), key=_by_id)]
    stored = [r.batch.row(r.k) for r in ordered]
    claims = sorted(s.claim for s in stored if s.claim)
    listed = ((r.batch.registered[r.k], s.listed) for r, s in zip(ordered, stored, strict=True))
    return (
        b"".join(s.events for s in stored),
        b"".join(s.key for s in stored),
        b"".join(in_list_order(reversed(list(listed)))),
        b"".join(claims),
    )


def _by_id(saved: tuple[SavedFile, RowLines]) -> int:
    return saved[0].file_id.int


def in_list_order(rows: Iterable[tuple[int, bytes]]) -> list[bytes]:
    """`worker_list` rows (each after its registration day's ordinal, id descending) in the
    list's order, newest registration first (ties keep their order): three of its five
    indexes lead with the registration date (after a province and a status a batch mostly
    shares), and rows reaching a btree in its order touch each leaf once (9.3 µs a row of the
    server's time against 10.9 in id order, measured in text). Its primary key needs no
    order: the events' key, written first in id order, already holds each id for this
    transaction."""
    return [row for _, row in sorted(rows, key=_day, reverse=True)]


def _day(row: tuple[int, bytes]) -> int:
    return row[0]
