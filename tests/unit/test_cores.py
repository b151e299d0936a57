"""The cores a rebuild's or an import's processes are counted from: a pod's CPU limit, read
from its control group (v2 `cpu.max`, v1 `cpu.cfs_quota_us`), caps the cores it may run on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lmis_shared.cores import cpu_quota, usable_cores

AFFINITY = len(os.sched_getaffinity(0))


def v2(tmp_path: Path, text: str) -> Path:
    (tmp_path / "cpu.max").write_text(text)
    return tmp_path


def v1(tmp_path: Path, quota: int, period: int) -> Path:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text(f"{quota}\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text(f"{period}\n")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "quota"), [("max 100000\n", None), ("150000 100000\n", 1.5), ("50000 100000", 0.5)]
)
def test_the_v2_quota_is_read_in_cores(tmp_path: Path, text: str, quota: float | None) -> None:
    assert cpu_quota(v2(tmp_path, text)) == quota


@pytest.mark.parametrize(("quota", "cores"), [(250000, 2.5), (-1, None)])
def test_the_v1_quota_is_read_and_minus_one_is_none(
    tmp_path: Path, quota: int, cores: float | None
) -> None:
    assert cpu_quota(v1(tmp_path, quota, 100000)) == cores


def test_no_control_group_files_set_no_quota(tmp_path: Path) -> None:
    assert cpu_quota(tmp_path) is None
    assert usable_cores(tmp_path) == AFFINITY


def test_a_quota_caps_the_cores_rounded_up_and_never_below_one(tmp_path: Path) -> None:
    assert usable_cores(v2(tmp_path, "50000 100000")) == 1
    (tmp_path / "cpu.max").write_text(f"{100000 * AFFINITY + 1} 100000")
    assert usable_cores(tmp_path) == AFFINITY  # above the affinity: the affinity
    if AFFINITY > 1:
        (tmp_path / "cpu.max").write_text("150000 100000")
        assert usable_cores(tmp_path) == 2
