"""A local copy of the population register, from CSV files: the register of embedded mode,
tests and demonstrations (`LMIS_REGISTRY_POPULATION_REGISTER=local`).

Columns: `citizen_id,full_name,date_of_birth,residence_commune` (UTF-8, ISO dates, the
permanent residence's commune code). The files are read again when one changes (its
modification time and size: file systems stamp times coarsely), so `lmis demo` can add the
citizens it generates while the registry runs. Everything in them is personal data: nothing
of it is logged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from lmis_registry.domain.workers import Identity, IdentityAnswer, compare
from lmis_shared.contracts.registry_follow_up import IdentitySource

FIXTURE = Path(__file__).parent.parent / "data" / "population" / "known_citizens.csv"
"""A handful of citizens shipped with the registry (the demo's verified and mismatched
examples)."""
HEADER = ("citizen_id", "full_name", "date_of_birth", "residence_commune")


def read_citizens(path: Path) -> dict[str, Identity]:
    with path.open(encoding="utf-8", newline="") as source:
        return {
            row["citizen_id"]: Identity(
                row["citizen_id"],
                row["full_name"],
                date.fromisoformat(row["date_of_birth"]),
                row["residence_commune"],
            )
            for row in csv.DictReader(source)
        }


def write_citizens(path: Path, citizens: Iterable[Identity]) -> None:
    """Write a register file (the demo's citizens) in the columns `read_citizens` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(HEADER)
        for c in citizens:
            writer.writerow(
                (c.citizen_id, c.full_name, c.date_of_birth.isoformat(), c.residence_commune)
            )


class LocalPopulationRegister:
    """`PopulationRegister` over fixed entries and/or CSV files (read again when changed)."""

    def __init__(
        self, entries: Mapping[str, Identity] | None = None, files: Iterable[Path] = ()
    ) -> None:
        self._fixed = dict(entries or {})
        self._files = tuple(files)
        self._seen: tuple[tuple[int, int], ...] | None = None
        self._entries: dict[str, Identity] = dict(self._fixed)

    async def aclose(self) -> None:
        return None  # files only: nothing held open

    async def verify(self, identity: Identity) -> IdentityAnswer:
        self._refresh()
        entry = self._entries.get(identity.citizen_id)
        return compare(identity, entry, IdentitySource.local_register)

    def _refresh(self) -> None:
        present = [f for f in self._files if f.is_file()]
        stamps = tuple((s.st_mtime_ns, s.st_size) for s in (f.stat() for f in present))
        if stamps == self._seen:
            return
        entries = dict(self._fixed)
        for path in present:
            entries.update(read_citizens(path))
        self._entries, self._seen = entries, stamps
