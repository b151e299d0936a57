"""A prepared batch's COPY lines as they cross from an import's worker process to the
service's: joined in the worker, in the order each table is written, with where each row's
lines are, so the service's process COPYs them as they come.

A worker handed back each row's four lines (events, data key, list row, claim) as strings,
and the service's process unpickled them, made a tuple a row, sorted the rows and joined and
encoded each table's lines: about 3 µs of its CPU a row (0.8 unpickling, 0.6 the tuples, 1.5
the sorts and joins, measured over 20,000 rows). The worker now sorts and joins its batch as
`PostgresBulkFiles.save_prepared` did (events and keys in file id order, list rows in the
list's order, claims in key order) and hands back four byte strings and the offsets of the
rows in them (events and data keys as binary COPY rows since). The worker's CPU stayed the
same (the sorts and joins it took on, 1.1 µs a row, against the pickling it saved); the
service's fell by 2.5-3 µs a row (bench/import_workers.py). A batch saved whole (every
prepared row new: an import's usual case) is COPYed as it came; a batch with rows left out
(repeats, files stored meanwhile, open files) takes each kept row's lines back out and joins
them as before, in the same orders.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import accumulate
from typing import NamedTuple, Protocol, cast
from uuid import UUID

from lmis_registry.adapters import worker_list


class StoredFile(NamedTuple):
    """A prepared file's rows: its events and data key as binary COPY rows (`copy_rows`),
    its list row and claim as COPY text lines."""

    events: bytes
    key: bytes
    listed: str
    claim: str | None
    """Its open-file claim's line (`bulk_files.claim_line`; None: it takes none)."""


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

    def row(self, k: int) -> StoredFile:
        """Row `k`'s own lines."""
        claim = self.claims.row(k)
        return StoredFile(
            self.events.row(k),
            self.keys.row(k),
            self.listed.row(k).decode(),
            claim.decode() if claim else None,
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


def _joined(lines: Sequence[str], order: list[int], at: array[int]) -> Joined:
    ordered = [lines[k] for k in order]
    text = "".join(ordered)
    if text.isascii():  # a character a byte: the lines' lengths are their offsets
        return Joined(text.encode(), array("q", accumulate(map(len, ordered), initial=0)), at)
    encoded = [line.encode() for line in ordered]
    return Joined(b"".join(encoded), array("q", accumulate(map(len, encoded), initial=0)), at)


def batch_lines(
    events: Sequence[bytes],
    keys: Sequence[bytes],
    listed: Sequence[str],
    claims: Sequence[str],
    ids: Sequence[int],
    registered: Sequence[date],
) -> BatchLines:
    """The batch's lines in the orders `PostgresBulkFiles.save_prepared` wrote them: row k's
    binary rows `events[k]` and `keys[k]`, text lines `listed[k]` and `claims[k]` ("": none),
    its file id's integer `ids[k]`, its registration date `registered[k]` (its list row's)."""
    size = len(ids)
    by_id = sorted(range(size), key=ids.__getitem__)
    # `in_list_order` of the lines in descending id order (a stable sort: ties keep that
    # order), by the dates the lines were written from (their ISO texts sort as the dates)
    in_list = sorted(reversed(by_id), key=registered.__getitem__, reverse=True)
    claiming = sorted((k for k, c in enumerate(claims) if c), key=claims.__getitem__)
    at = _places(by_id, size)
    return BatchLines(
        size,
        _joined_rows(events, by_id, at),
        _joined_rows(keys, by_id, at),
        _joined(listed, in_list, _places(in_list, size)),
        _joined(claims, claiming, _places(claiming, size)),
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
    ordered = sorted(zip(files, rows, strict=True), key=lambda fr: fr[0].file_id.int)
    stored = [r.batch.row(r.k) for _, r in ordered]
    claims = sorted(s.claim for s in stored if s.claim)
    return (
        b"".join(s.events for s in stored),
        b"".join(s.key for s in stored),
        "".join(in_list_order(s.listed for s in reversed(stored))).encode(),
        "".join(claims).encode(),
    )


def in_list_order(lines: Iterable[str]) -> list[str]:
    """`worker_list` lines (COPY text, id descending) in the list's order, newest registration
    first (ties keep their order): three of its five indexes lead with the registration
    date (after a province and a status a batch mostly shares), and rows reaching a btree in
    its order touch each leaf once (9.3 µs a row of the server's time against 10.9 in id
    order, measured). Its primary key needs no order: the events' key, written first in id
    order, already holds each id for this transaction."""
    return sorted(lines, key=_registered_on, reverse=True)


def _registered_on(line: str) -> str:
    return line.split("\t", _REGISTERED_ON + 1)[_REGISTERED_ON]  # ISO: sorts as the dates


_REGISTERED_ON = worker_list.COLUMNS.index("registered_on")
