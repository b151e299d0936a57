"""What an import did, row by row: imported, skipped (already imported), rejected (with why)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lmis_shared.imports.errors import RowError


@dataclass
class ImportSummary:
    rows: int = 0
    """Data rows read (blank rows and the template's example row are not rows)."""
    imported: int = 0
    skipped_rows: list[int] = field(default_factory=list)
    """Rows already imported by an earlier run: nothing was written for them."""
    errors: list[RowError] = field(default_factory=list)
    unrecognised_columns: tuple[str, ...] = ()

    @property
    def skipped(self) -> int:
        return len(self.skipped_rows)

    @property
    def rejected(self) -> int:
        return len({e.row_number for e in self.errors})

    def sorted_errors(self) -> list[RowError]:
        """By row; within a row, in the order they were found (the columns' order)."""
        return sorted(self.errors, key=lambda e: e.row_number)

    def as_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "errors": [e.as_json() for e in self.sorted_errors()],
            "skipped_rows": sorted(self.skipped_rows),
            "unrecognised_columns": list(self.unrecognised_columns),
        }
