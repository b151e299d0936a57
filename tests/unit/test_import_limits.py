"""The reader's limits, applied while reading: hostile files are refused (or read as the
cells they hold) without being inflated first."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from lmis_shared.imports import UnreadableFile, read_table
from lmis_shared.imports.reading import MAX_BLANK_ROWS, MAX_LINE_CHARS
from lmis_shared.imports.xlsx_source import MAX_CELLS_PER_ROW, MAX_RATIO, xlsx_rows
from tests.hostile_files import (
    SHEET,
    WHOLE_SHEET,
    csv_of_blank_lines,
    declaring_the_whole_sheet,
    with_a_row_of,
    zip_bomb,
)
from tests.unit.import_files import HEADINGS, ROW, TEMPLATE, csv_bytes

MEMORY_BOUND = 32 * 1024 * 1024
"""What reading one hostile file may allocate at its peak (the files are 16 to 64 MB)."""


def peak_allocated(data: bytes) -> tuple[int, UnreadableFile | None]:
    """Read `data` from a file object as an upload is, and measure the peak of what Python
    allocated meanwhile (the file's own bytes are allocated before)."""
    file = io.BytesIO(data)
    tracemalloc.start()
    refused = None
    try:
        read_table(file, TEMPLATE)
    except UnreadableFile as error:
        refused = error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, refused


def test_a_csv_of_blank_lines_stops_at_the_blank_row_limit_having_held_little() -> None:
    data = csv_of_blank_lines(",".join(HEADINGS), 16 * 1024 * 1024)
    peak, refused = peak_allocated(data)
    assert refused is not None
    assert f"more than {MAX_BLANK_ROWS} blank rows" in refused.message
    assert peak < MEMORY_BOUND, peak


def test_a_few_blank_rows_are_only_skipped() -> None:
    data = csv_bytes([HEADINGS, *[[""] * 5] * 100, ROW])
    assert [r.number for r in read_table(data, TEMPLATE).rows] == [102]


def test_an_overlong_csv_line_is_refused_before_it_is_split() -> None:
    data = csv_bytes([HEADINGS, ROW]) + b"," * (4 * MAX_LINE_CHARS)
    peak, refused = peak_allocated(data)
    assert refused is not None
    assert "longer than" in refused.message
    assert peak < MEMORY_BOUND, peak


def test_a_sheet_declaring_the_whole_grid_reads_as_the_cells_it_holds() -> None:
    data = declaring_the_whole_sheet([HEADINGS, ROW])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert f'<dimension ref="{WHOLE_SHEET}"/>'.encode() in archive.read(SHEET)
    table = read_table(data, TEMPLATE)
    assert [r.values["citizen_id"] for r in table.rows] == [ROW[3]]
    with xlsx_rows(io.BytesIO(data), TEMPLATE) as rows:
        assert [len(cells) for _, cells in rows] == [len(HEADINGS), len(ROW)]  # not padded


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    data = zip_bomb(256 * 1024 * 1024)
    assert len(data) < 1024 * 1024
    peak, refused = peak_allocated(data)
    assert refused is not None
    assert f"more than {MAX_RATIO} times" in refused.message
    assert peak < MEMORY_BOUND, peak


def test_a_row_of_too_many_cells_is_refused_before_openpyxl_builds_it() -> None:
    data = with_a_row_of(MAX_CELLS_PER_ROW + 1, [HEADINGS, ROW])
    peak, refused = peak_allocated(data)
    assert refused is not None
    assert f"more than {MAX_CELLS_PER_ROW} cells" in refused.message
    assert peak < MEMORY_BOUND, peak


def test_a_full_width_row_is_still_read() -> None:
    table = read_table(with_a_row_of(MAX_CELLS_PER_ROW, [HEADINGS, ROW]), TEMPLATE)
    assert len(table.rows) == 1


@pytest.mark.parametrize("rows", [2, 3])
def test_the_row_limit_counts_rows_with_data(rows: int) -> None:
    data = csv_bytes([HEADINGS, *[ROW] * rows])
    if rows > 2:
        with pytest.raises(UnreadableFile, match="more than 2 rows"):
            read_table(data, TEMPLATE, max_rows=2)
    else:
        assert len(read_table(data, TEMPLATE, max_rows=2).rows) == 2
