"""The relay's own PostgreSQL sessions (its lock's, its listener's): never pooled ones."""

from __future__ import annotations

import asyncpg


async def end_session(conn: asyncpg.Connection | None, close_within: float) -> None:
    """Close `conn` politely (within `close_within` seconds), or cut it: either way the
    session ends, and what it held (a lock, a LISTEN) with it."""
    if conn is None or conn.is_closed():
        return
    try:
        await conn.close(timeout=close_within)
    except Exception:  # a session we cannot close politely is cut
        conn.terminate()
