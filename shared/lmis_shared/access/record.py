"""One entry of the access record and the hash chain that makes the record tamper-evident.

An entry says who (`actor`, the token's subject; its `role` and `unit` scope) did what
(`action`: read, list, export, import) to whose personal data (`subjects`: the ids of the
files) and which parts of it (`fields`: field groups such as `identity` or `history`), when,
why (`purpose`, where the caller gave one) and in which request (`correlation_id`, `trace_id`).

The chain: `hash = sha256(prev_hash || canonical(entry))`, where `prev_hash` is the hash of the
entry before (32 zero bytes before the first) and `canonical` is the entry's values as compact
JSON with sorted keys and ASCII escapes, one text whoever makes it. Changing any value of an
entry changes its hash; removing or reordering entries breaks the next `prev_hash`.

Public API:
    Action, ACTIONS                          the kinds of access recorded
    AccessEntry                              one access (frozen); `.canonical() -> str`
    StoredEntry                              an entry with its position and chain hashes
    GENESIS                                  the `prev_hash` of the first entry
    chained_hash(prev_hash, entry) -> bytes
    ChainWalk().holds(stored) -> bool        the chain checked entry by entry, in id order
    first_broken(entries) -> int | None      id of the first entry the chain does not hold
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args
from uuid import UUID

Action = Literal["read", "list", "export", "import"]
ACTIONS: tuple[str, ...] = get_args(Action)
GENESIS = bytes(32)


@dataclass(frozen=True)
class AccessEntry:
    recorded_at: datetime
    actor: str
    role: str
    unit: str
    action: str
    subjects: tuple[str, ...]
    fields: tuple[str, ...]
    purpose: str | None = None
    correlation_id: UUID | None = None
    trace_id: str | None = None

    def canonical(self) -> str:
        """The entry as the hash sees it: the same text from the same values, always."""
        values = {
            "recorded_at": self.recorded_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor,
            "role": self.role,
            "unit": self.unit,
            "action": self.action,
            "subjects": list(self.subjects),
            "fields": list(self.fields),
            "purpose": self.purpose,
            "correlation_id": None if self.correlation_id is None else str(self.correlation_id),
            "trace_id": self.trace_id,
        }
        return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


@dataclass(frozen=True)
class StoredEntry:
    id: int
    entry: AccessEntry
    prev_hash: bytes
    hash: bytes


def chained_hash(prev_hash: bytes, entry: AccessEntry) -> bytes:
    return hashlib.sha256(prev_hash + entry.canonical().encode("utf-8")).digest()


class ChainWalk:
    """Checks entries one at a time, in id order, so a record of any size is walked in
    constant memory: `holds(entry)` is False for the first entry whose position, link to the
    one before or own hash is not what the chain says."""

    def __init__(self) -> None:
        self.expected_id = 1
        self.head = GENESIS
        self.entries = 0

    def holds(self, stored: StoredEntry) -> bool:
        if (
            stored.id != self.expected_id
            or stored.prev_hash != self.head
            or stored.hash != chained_hash(self.head, stored.entry)
        ):
            return False
        self.expected_id, self.head = stored.id + 1, stored.hash
        self.entries += 1
        return True


def first_broken(entries: Iterable[StoredEntry]) -> int | None:
    """The id of the first entry the chain does not hold (None: the chain holds)."""
    walk = ChainWalk()
    return next((stored.id for stored in entries if not walk.holds(stored)), None)
