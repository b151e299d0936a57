"""Batches of an import handed to the worker processes as soon as they are read, `window` of
them in preparation at once, and taken back in the file's order.

Reading the file (the service's process) and preparing its rows (the workers) overlap; what
is prepared is held until it is taken. The import takes nothing before the whole file is
read: a file that turns out unreadable part-way saves nothing (`imports.py`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from lmis_shared.imports import Row

T = TypeVar("T")


class PreparingAhead(Generic[T]):
    def __init__(self, window: int, prepare: Callable[[list[Row]], Awaitable[T]]) -> None:
        self._window = window
        self._prepare = prepare
        self._waiting: deque[list[Row]] = deque()
        """Read, not handed to the workers yet (`window` batches are in preparation)."""
        self._ahead: deque[tuple[list[Row], asyncio.Future[T]]] = deque()
        """Handed to the workers, in the file's order: in preparation or prepared."""
        self._preparing = 0
        self._closed = False

    def add(self, rows: list[Row]) -> None:
        """A batch just read: prepared as soon as fewer than `window` are in preparation."""
        self._waiting.append(rows)
        self._hand_on()

    async def next(self) -> tuple[list[Row], T] | None:
        """The first batch not taken yet, once prepared (None: every batch was taken)."""
        if not self._ahead:
            return None
        rows, preparing = self._ahead.popleft()
        return rows, await preparing

    async def aclose(self) -> None:
        """Stop: what is in preparation is cancelled, and waited for."""
        self._closed = True
        self._waiting.clear()
        left = [future for _, future in self._ahead]
        self._ahead.clear()
        for future in left:
            future.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    def _hand_on(self) -> None:
        while self._waiting and self._preparing < self._window and not self._closed:
            rows = self._waiting.popleft()
            preparing = asyncio.ensure_future(self._prepare(rows))
            self._preparing += 1
            preparing.add_done_callback(self._prepared)
            self._ahead.append((rows, preparing))

    def _prepared(self, _: asyncio.Future[T]) -> None:
        self._preparing -= 1
        self._hand_on()
