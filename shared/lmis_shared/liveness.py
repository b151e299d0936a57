"""Liveness of the loops that have no HTTP API: relays and stream processors.

A loop marks each unit of work it does with `Liveness.busy()` (a relay's round, a wait for
its lock, a processor's attempt to apply a batch). Waiting for work (a poll interval, a retry
back-off, an empty topic) is not busy. `keep_beating` writes a heartbeat file every few
seconds whose modification time is "now" while nothing is busy, and otherwise the moment the
oldest unit of work still running began. `lmis health relay|process <service>` (`check`)
fails when that time is older than `LMIS_LIVENESS_MAX_AGE` seconds. So the file goes stale when
  * a unit of work hangs (a query that never returns, a broker call stuck in its thread), or
  * the event loop itself is blocked (the beating task is never scheduled),
while a relay standing by, or retrying through a broker outage, stays live: it is doing its
job, and lag is what alarms for that.

Why a file under `LMIS_DATA_DIR` and an exec probe, rather than an HTTP endpoint:
  * nothing new listens: no port to declare, allow in the network policies, keep apart when a
    test runs several relays in one process, or protect (faust's web server stays off);
  * Kubernetes (`exec` livenessProbe) and compose (`healthcheck: [CMD, ...]`) run the same
    command, which is already in the image; no HTTP client, shell or extra package is needed;
  * `/var/lib/lmis` is the one writable place of every pod (emptyDir) and container (tmpfs),
    and each pod has its own, so replicas never share a heartbeat.
The price is a short Python process per probe (about a second of CPU), hence probe periods
of tens of seconds, not of one.

The file's path is `<data_dir>/health/<kind>-<service>`, kind `relay` or `process` as in the
`lmis` command that runs the loop. It imports no framework: the relay uses it without
loading faust, the processors without loading the relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lmis_shared.background import in_background
from lmis_shared.logging import get_logger

log = get_logger(__name__)

Kind = Literal["relay", "process"]


class LivenessSettings(BaseSettings):
    """`LMIS_LIVENESS_*`, read by the loops that beat and by the check alike."""

    model_config = SettingsConfigDict(env_prefix="LMIS_LIVENESS_", extra="ignore")

    max_age: float = Field(
        120.0,
        gt=0,
        description="seconds a unit of work may run (or the heartbeat go unwritten) before the"
        " check fails; longer than the slowest legitimate batch, a rebuild holding a"
        " projection's lock included",
    )
    interval: float = Field(2.0, gt=0, description="seconds between writes of the heartbeat")


class Liveness:
    """Which units of work are running, and since when (on `clock`, monotonic seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._running: dict[int, float] = {}
        self._ids = itertools.count()

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Mark the block as a unit of work: it must end within the check's `max_age`."""
        token = next(self._ids)
        self._running[token] = self.clock()
        try:
            yield
        finally:
            del self._running[token]

    def busy_for(self) -> float:
        """Seconds the oldest running unit of work has run; 0 when none runs."""
        if not self._running:
            return 0.0
        return max(0.0, self.clock() - min(self._running.values()))


PROCESS = Liveness()
"""The liveness of this process's stream processor (one per process): its agents mark their
work here, `run_processor` beats it."""


def heartbeat_path(data_dir: Path, kind: Kind, service: str) -> Path:
    return data_dir / "health" / f"{kind}-{service}"


def beat(liveness: Liveness, path: Path) -> None:
    """Write the heartbeat once: its time is now, less how long the oldest work has run."""
    at = time.time() - liveness.busy_for()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (at, at))


async def keep_beating(liveness: Liveness, path: Path, interval: float) -> None:
    """Beat every `interval` seconds until cancelled; the first beat is at once."""
    failing = False
    while True:
        try:
            beat(liveness, path)
            failing = False
        except OSError as exc:
            # the check will fail and the process be restarted: say why, once
            if not failing:
                log.error("liveness.heartbeat_failed", error=type(exc).__name__)
            failing = True
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def beating(liveness: Liveness, path: Path, interval: float) -> AsyncIterator[None]:
    """`keep_beating` for as long as the block runs (a relay's or a processor's whole life)."""
    async with in_background(keep_beating(liveness, path, interval)):
        yield


@dataclass(frozen=True)
class Verdict:
    alive: bool
    age: float | None
    """Seconds since the heartbeat's time; None when there is no heartbeat."""

    def describe(self, max_age: float) -> str:
        if self.age is None:
            return "no heartbeat: not started yet, or not running here"
        state = "alive" if self.alive else "stuck"
        return f"{state}: heartbeat {self.age:.0f} s old (at most {max_age:.0f} s)"


def check(path: Path, max_age: float, now: float | None = None) -> Verdict:
    """Whether the loop that writes `path` is live: its heartbeat at most `max_age` old."""
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return Verdict(alive=False, age=None)
    age = (time.time() if now is None else now) - written
    return Verdict(alive=age <= max_age, age=age)
