"""The access record's hash chain: the same entry always hashes the same, and an edited,
removed or reordered entry is found at that entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from lmis_shared.access.record import (
    GENESIS,
    AccessEntry,
    StoredEntry,
    chained_hash,
    first_broken,
)

AT = datetime(2026, 11, 23, 3, 0, 0, 123456, tzinfo=UTC)


def entry(n: int) -> AccessEntry:
    return AccessEntry(
        recorded_at=AT + timedelta(seconds=n),
        actor="officer-1",
        role="province_officer",
        unit="12",
        action="read",
        subjects=(str(UUID(int=n)),),
        fields=("person", "contact"),
        purpose="hồ sơ vay vốn",
        correlation_id=UUID(int=1000 + n),
        trace_id="ab" * 16,
    )


def chain(n: int) -> list[StoredEntry]:
    stored, prev = [], GENESIS
    for i in range(1, n + 1):
        digest = chained_hash(prev, entry(i))
        stored.append(StoredEntry(i, entry(i), prev, digest))
        prev = digest
    return stored


def test_the_canonical_text_does_not_depend_on_the_time_zone_it_is_given_in() -> None:
    hanoi = entry(1).recorded_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert replace(entry(1), recorded_at=hanoi).canonical() == entry(1).canonical()
    assert '"purpose":"h\\u1ed3 s\\u01a1 vay v\\u1ed1n"' in entry(1).canonical()


def test_an_untouched_chain_holds() -> None:
    assert first_broken(chain(5)) is None
    assert first_broken([]) is None


def test_an_edited_entry_breaks_the_chain_at_that_entry() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], entry=replace(entries[2].entry, actor="officer-2"))
    assert first_broken(entries) == 3


def test_an_edited_entry_whose_hash_was_made_again_breaks_the_next_link() -> None:
    entries = chain(5)
    edited = replace(entries[2].entry, subjects=())
    entries[2] = replace(entries[2], entry=edited, hash=chained_hash(entries[2].prev_hash, edited))
    assert first_broken(entries) == 4


def test_a_removed_or_reordered_entry_is_found() -> None:
    entries = chain(5)
    assert first_broken(entries[:1] + entries[2:]) == 3
    assert first_broken([entries[0], entries[2], entries[1], *entries[3:]]) == 3
