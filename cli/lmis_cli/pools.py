"""Closing a command's database pool once what it started has finished."""

from __future__ import annotations

import asyncio

import asyncpg

SIGNALS_WAIT = 5.0
"""Seconds the tasks still running get at most before the pool closes (a commit signal takes
one round trip)."""


async def close_after_signals(pool: asyncpg.Pool) -> None:
    """Close `pool` after the tasks its work left running: the commit signals of the work's
    appends (`lmis_shared/eventstore/signal.py`), tasks of their own sent after the commit.
    Closed under them they failed, and the relays heard of those events only at their poll."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        await asyncio.wait(others, timeout=SIGNALS_WAIT)
    await pool.close()
