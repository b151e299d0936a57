"""A transaction's writes sent as one statement: one round trip instead of one per table.

The indicator projection writes a batch's effects into four tables (counts, facts, and the
as-of tables `adapters/history_store.py` keeps); each statement is a round trip to PostgreSQL,
which is what the processor waits on. `DeferredWrites` stands for the transaction's connection:
reads go through at once, writes are only recorded, and `send` joins them into one statement,
each a data-modifying CTE (PostgreSQL runs every one of them to completion, referenced or not).

The parts all see the snapshot the statement starts with, not each other's rows, so they must
not depend on each other: the projection's writes touch different tables, except the facts
history's closing UPDATE and its INSERT, which touch different rows (those before the stream's
first new day, and those from it on).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import asyncpg

from lmis_shared.processing import Connection

_PARAMETER = re.compile(r"\$(\d+)")


class DeferredWrites:
    """`fetch` on the connection now; `execute` later, with the other writes, in `send`."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._writes: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        return await self._conn.fetch(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        self._writes.append((query, args))
        return ""

    async def send(self) -> None:
        """Run the recorded writes, in one statement (none: no round trip)."""
        if len(self._writes) == 1:
            query, args = self._writes[0]
            await self._conn.execute(query, *args)
        elif self._writes:
            query, args = joined(self._writes)
            await self._conn.execute(query, *args)
        self._writes.clear()


def joined(writes: list[tuple[str, tuple[Any, ...]]]) -> tuple[str, tuple[Any, ...]]:
    """One statement running `writes` (each with its own `$1..$n`), and its arguments in order."""
    parts: list[str] = []
    arguments: list[Any] = []
    for at, (query, args) in enumerate(writes):
        renumbered = _PARAMETER.sub(partial(_shifted, by=len(arguments)), query)
        parts.append(f"w{at} AS ({renumbered})")
        arguments.extend(args)
    return f"WITH {', '.join(parts)} SELECT", tuple(arguments)


def _shifted(parameter: re.Match[str], by: int) -> str:
    return f"${int(parameter.group(1)) + by}"
