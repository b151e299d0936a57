"""The relay's lock as a port: the relay publishes only while it holds it (see `core.py`);
`lock.py` has it on PostgreSQL, `NoLock` stands in where no other relay can be."""

from __future__ import annotations

from typing import Protocol


class RelayLock(Protocol):
    async def try_acquire(self) -> bool:
        """Take the lock if it is free (True), or say another relay holds it (False).

        Raises one of TRANSIENT_ERRORS when the lock's server cannot be reached.
        """
        ...

    async def held(self) -> bool:
        """Whether this relay still holds the lock it took (False once it lost it)."""
        ...

    async def release(self) -> None: ...


class NoLock:
    """A `RelayLock` always held: for a store no other relay can reach (the in-memory one)."""

    async def try_acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class LockLost(Exception):
    """The relay no longer holds its lock: it must stop publishing."""
