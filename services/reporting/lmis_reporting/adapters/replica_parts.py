"""A part of a split rebuild, kept as its process encoded it (`adapters/replica.py`).

A replay split by stream (`lmis_shared.processing.replay_parts`) hands each part's streams
back with their `stream_facts` and `stream_facts_history` rows already made, and encoded as
binary COPY data (`copy_binary.py`) in that process, sorted by stream id; the process that
swaps them in forwards the bytes (making and encoding the rows there took most of the swap,
measured). The absorbing process does the same with its own part once its replay is done
(`IndicatorReplica.prepare`), while the others finish. A stream is looked up (binary search
on the sorted ids) only when a later event of it comes (events committed during the replay):
its rows are then read back and taken out, into the replica's own dicts, and left out of the
part's bytes.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import cached_property
from operator import itemgetter
from typing import cast
from uuid import UUID

from lmis_reporting.adapters.facts_store import dump_bytes
from lmis_reporting.domain.facts import Facts
from lmis_shared.processing.copy_binary import (
    NULL,
    Encoded,
    TextFields,
    date_field,
    field_count,
    jsonb_field,
    read_date,
    read_jsonb,
    read_text,
    row,
    uuid_field,
)
from lmis_shared.processing.replay_parts import uuids
from lmis_shared.processing.staging import Row

DumpedFacts = tuple[str, str, str]
"""A `stream_facts` row but its id: stream type, commune code, the facts as JSON."""

DumpedVersion = tuple[str, str, str]
"""A `stream_facts_history` row but its key and end: stream type, commune code, facts as JSON."""

EncodedStreams = tuple[bytes, Encoded, bytes, Encoded]
"""A part's streams: their ids (packed, sorted) and `stream_facts` rows, and the ids of their
versions (one per row, in (stream, day) order) and `stream_facts_history` rows."""

Versions = Mapping[tuple[UUID, date], tuple[str, Facts]]
"""The facts' versions by stream and day: the stream's type and the day's facts."""


def facts_row(stream_id: bytes, stream_type: bytes, commune: bytes, facts: bytes) -> bytes:
    """A `stream_facts` row, its fields encoded (the facts as their JSON)."""
    return row((uuid_field(stream_id), stream_type, commune, jsonb_field(facts)))


def history_row(
    stream_id: bytes,
    day: date,
    until: date | None,
    stream_type: bytes,
    commune: bytes,
    facts: bytes,
) -> bytes:
    """A `stream_facts_history` row, its fields encoded (the facts as their JSON)."""
    known_until = NULL if until is None else date_field(until)
    fields = (uuid_field(stream_id), date_field(day), known_until, stream_type, commune)
    return row((*fields, jsonb_field(facts)))


def stream_of(version: tuple[tuple[UUID, date], object]) -> UUID:
    return version[0][0]


_FACTS_ROW = field_count(4) + uuid_field(b"")
_HISTORY_ROW = field_count(6) + uuid_field(b"")


def encode_streams(
    facts: Mapping[UUID, tuple[str, Facts]], versions: Versions, days: Mapping[UUID, list[date]]
) -> EncodedStreams:
    """The streams' rows encoded, sorted by id (the live tables' indexes fill fastest in the
    key's order), from their `facts`, their `versions` and each one's `days` of versions (in
    order). A stream's last version is usually its facts, the same object: its row ends as
    the stream's does, made once (most streams have one version)."""
    text = TextFields()
    pairs: dict[tuple[str, str], bytes] = {}
    dates: dict[date | None, bytes] = {}

    def end(stream_type: str, f: Facts) -> bytes:
        """The row's stream type, commune and facts: the same in both tables."""
        pair = pairs.get((stream_type, f.commune_code))
        if pair is None:
            pair = pairs[stream_type, f.commune_code] = text(stream_type) + text(f.commune_code)
        return pair + jsonb_field(dump_bytes(f))

    def day(d: date | None) -> bytes:
        made = dates.get(d)
        if made is None:
            made = dates[d] = NULL if d is None else date_field(d)
        return made

    # the streams in the dict's order, which is about the order of their objects in memory:
    # in id order, each object read is a cache miss (measured at more than twice the time);
    # the rows made are sorted after
    made: list[tuple[bytes, bytes, bytes | list[bytes]]] = []
    for stream_id, (stream_type, f) in facts.items():
        raw = stream_id.bytes
        tail = end(stream_type, f)
        stream_days = days[stream_id]
        if len(stream_days) == 1:  # most streams: one version, the stream's facts
            known_from = stream_days[0]
            version_type, version = versions[stream_id, known_from]
            if version is f and version_type == stream_type:
                start = _HISTORY_ROW + raw + day(known_from) + NULL
                made.append((raw, _FACTS_ROW + raw + tail, start + tail))
                continue
        last = len(stream_days) - 1
        history = []
        for k, known_from in enumerate(stream_days):
            version_type, version = versions[stream_id, known_from]
            same = version is f and version_type == stream_type
            until = day(None if k == last else stream_days[k + 1])
            start = _HISTORY_ROW + raw + day(known_from) + until
            history.append(start + (tail if same else end(version_type, version)))
        made.append((raw, _FACTS_ROW + raw + tail, history))
    made.sort(key=itemgetter(0))
    history_ids: list[bytes] = []
    history_rows: list[bytes] = []
    for raw, _, versions_made in made:
        if isinstance(versions_made, bytes):
            history_ids.append(raw)
            history_rows.append(versions_made)
        else:
            history_ids += [raw] * len(versions_made)
            history_rows += versions_made
    return (
        b"".join([raw for raw, _, _ in made]),
        Encoded.of([row for _, row, _ in made]),
        b"".join(history_ids),
        Encoded.of(history_rows),
    )


def encode_rows(width: int, rows: Iterable[Row]) -> bytes:
    """Rows of this replica's own (`stream_facts` if `width` is 4, else
    `stream_facts_history`), as `AbsorbedPart` rows are encoded."""
    text, made = TextFields(), []
    for r in rows:
        if width == 4:
            stream_id, stream_type, commune, facts = cast(tuple[UUID, str, str, str], r)
            made.append(
                facts_row(stream_id.bytes, text(stream_type), text(commune), facts.encode())
            )
            continue
        stream_id, day, until, stream_type, commune, facts = cast(
            tuple[UUID, date, date | None, str, str, str], r
        )
        fields = (text(stream_type), text(commune), facts.encode())
        made.append(history_row(stream_id.bytes, day, until, *fields))
    return b"".join(made)


def _split(ids: bytes) -> list[bytes]:
    """Packed ids as a sorted list to search (bytes compare as PostgreSQL orders uuids)."""
    return [ids[i : i + 16] for i in range(0, len(ids), 16)]


class AbsorbedPart:
    """One part's streams: their facts and history rows, until a stream is `take`n."""

    def __init__(self, streams: EncodedStreams) -> None:
        self._packed_ids, self._facts, self._packed_history_ids, self._history = streams
        self._taken: set[bytes] = set()

    # split only once a stream is looked up (events committed during the replay): a first
    # build with none forwards the bytes as they came (splitting was 0.1 s at 500,000 streams)
    @cached_property
    def _ids(self) -> list[bytes]:
        return _split(self._packed_ids)

    @cached_property
    def _history_ids(self) -> list[bytes]:
        return _split(self._packed_history_ids)

    def take(self, stream_id: bytes) -> tuple[DumpedFacts, list[tuple[date, DumpedVersion]]] | None:
        """The stream's facts row and its versions by day, if the part holds it (and they
        are not read from here any more), else None."""
        ids = self._ids
        at = bisect.bisect_left(ids, stream_id)
        if at == len(ids) or ids[at] != stream_id or stream_id in self._taken:
            return None
        self._taken.add(stream_id)
        versions = []
        for k in range(*_rows_of(self._history_ids, stream_id)):
            _, day, _until, *version = self._history.fields(k)
            versions.append((cast(date, read_date(day)), _dumped(version)))
        return _dumped(self._facts.fields(at)[1:]), versions

    def _left_out(self, history: bool) -> list[int]:
        """The rows of the streams taken, ascending (in `stream_facts_history` if `history`)."""
        taken = self._taken
        if not taken:
            return []
        ids = self._history_ids if history else self._ids
        return [k for t in sorted(taken) for k in range(*_rows_of(ids, t))]

    def facts_encoded(self) -> Iterator[memoryview]:
        """The `stream_facts` rows of the streams not taken, encoded, in id order."""
        return self._facts.without(self._left_out(history=False))

    def history_encoded(self) -> Iterator[memoryview]:
        """The `stream_facts_history` rows of the streams not taken, encoded, in key order."""
        return self._history.without(self._left_out(history=True))

    def facts_rows(self) -> Iterator[Row]:
        """The `stream_facts` rows of the streams not taken, in id order (read back)."""
        return _read(self._facts, self._ids, self._taken, (read_text, read_text, read_jsonb))

    def history_rows(self) -> Iterator[Row]:
        """The `stream_facts_history` rows of the streams not taken, in key order (read
        back); each version is known until its stream's next one's day."""
        readers = (read_date, read_date, read_text, read_text, read_jsonb)
        return _read(self._history, self._history_ids, self._taken, readers)


def _rows_of(ids: list[bytes], stream_id: bytes) -> tuple[int, int]:
    first = bisect.bisect_left(ids, stream_id)
    return first, bisect.bisect_right(ids, stream_id, first)


def _dumped(fields: Sequence[bytes | None]) -> DumpedFacts:
    """A row's stream type, commune code and facts (none of them NULL), read back."""
    stream_type, commune, facts = (cast(bytes, f) for f in fields)
    return stream_type.decode(), commune.decode(), cast(str, read_jsonb(facts))


def _read(
    encoded: Encoded,
    ids: list[bytes],
    taken: set[bytes],
    readers: Sequence[Callable[[bytes | None], object]],
) -> Iterator[Row]:
    for k, stream_id in enumerate(ids):
        if stream_id not in taken:
            fields = encoded.fields(k)[1:]
            values = [read(f) for read, f in zip(readers, fields, strict=True)]
            yield (uuids(stream_id)[0], *values)
