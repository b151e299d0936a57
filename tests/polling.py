"""Waiting for something that happens in other processes (a wait, never a timing assertion)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def eventually(
    probe: Callable[[], T | None], what: str, timeout: float = 90.0, every: float = 0.5
) -> T:
    """Poll until `probe` returns a value; fail naming `what` (a wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value is not None:
            return value
        time.sleep(every)
    pytest.fail(f"gave up waiting for {what}")
