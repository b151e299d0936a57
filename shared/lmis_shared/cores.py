"""How many cores this process may use: for the processes a rebuild or an import starts.

`os.cpu_count()` is the machine's; a Kubernetes pod sees the node's cores there, whatever its
CPU limit. What the process may use is the smaller of the cores it may run on (its affinity, a
cpuset) and its control group's CPU quota, rounded up (cgroup v2 `cpu.max`, or v1's
`cpu.cfs_quota_us` / `cpu.cfs_period_us`). Python 3.13's `os.process_cpu_count` reads the
first only.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def usable_cores(cgroup: Path = CGROUP) -> int:
    """The cores this process may use (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # pragma: no cover (not Linux)
        cores = os.cpu_count() or 1
    quota = cpu_quota(cgroup)
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def cpu_quota(cgroup: Path = CGROUP) -> float | None:
    """The control group's CPU quota in cores, or None when it sets none (or none is found)."""
    try:
        v2 = (cgroup / "cpu.max").read_text().split()
    except OSError:
        v2 = []
    if len(v2) == 2:
        return None if v2[0] == "max" else int(v2[0]) / int(v2[1])
    try:
        quota = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return None if quota <= 0 or period <= 0 else quota / period
