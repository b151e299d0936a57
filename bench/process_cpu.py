"""CPU time of the processes a benchmark does not run in its own: the embedded PostgreSQL's
(the postmaster and its backends) and this process's worker children (an import's
`multiprocessing` workers), read from /proc, so a figure can say where the CPU went."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of `pid`, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _cpu_of(select: Any) -> float:
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(pid)
        if stat is not None and select(int(pid), stat[0]):
            total += stat[1]
    return total


def postgres_cpu(data_dir: Path) -> float:
    """CPU seconds used so far by the server of `data_dir` and its backends (a backend that
    ended meanwhile is not counted: the benchmark's pool keeps its connections)."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    return _cpu_of(lambda pid, parent: postmaster in (pid, parent))


def children_cpu() -> float:
    """CPU seconds used so far by this process's live `multiprocessing` children."""
    me = os.getpid()

    def worker(pid: int, parent: int) -> bool:
        if parent != me:
            return False
        try:
            return b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    return _cpu_of(worker)


@contextmanager
def cpu_per_row(data_dir: Path, rows: int) -> Iterator[dict[str, float]]:
    """Fills the yielded dict, at the end, with the CPU µs per row PostgreSQL and the worker
    children used meanwhile."""
    figures: dict[str, float] = {}
    pg, workers = postgres_cpu(data_dir), children_cpu()
    yield figures
    figures["postgres_cpu_us_per_row"] = round((postgres_cpu(data_dir) - pg) * 1e6 / rows, 1)
    figures["worker_processes_cpu_us_per_row"] = round((children_cpu() - workers) * 1e6 / rows, 1)
