"""`lmis import workers`: read here, sent in chunks, reported as numbered in the file."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from lmis_cli.imports import chunk_csv, imports_app, upload
from lmis_shared.imports import read_table
from tests.unit.import_files import HEADINGS, ROW, TEMPLATE, csv_bytes


def test_an_unreadable_file_is_reported_before_anything_is_sent(tmp_path: Path) -> None:
    source = tmp_path / "lao_dong.csv"
    source.write_bytes("Họ và tên\r\nLò Thị Mai\r\n".encode("cp1258", errors="replace"))
    result = CliRunner().invoke(
        imports_app, ["workers", str(source), "--token", "t", "--url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert "Không đọc được tệp" in result.output


def test_rows_come_back_with_their_numbers_and_headings_in_the_file() -> None:
    headings = ["CCCD" if h == "Số CCCD" else h for h in HEADINGS]
    rows = [["DANH SÁCH"], headings] + [[*ROW[:3], f"0121980012{n:02d}", ROW[4]] for n in range(5)]
    table = read_table(csv_bytes(rows), TEMPLATE)  # data rows are rows 3 to 7 of the file
    sent: list[list[dict[str, str]]] = []

    def post(chunk: bytes) -> dict[str, Any]:
        sent.append(list(csv.DictReader(io.StringIO(chunk.decode()))))
        error = {"row": 3, "column": "Số CCCD", "field": "citizen_id", "reason": "is wrong"}
        return {"imported": 1, "skipped_rows": [2], "errors": [error] if len(sent) == 1 else []}

    summary = upload(table, 2, post)
    assert [len(chunk) for chunk in sent] == [2, 2, 1]
    assert summary.skipped_rows == [3, 5, 7]
    assert [(e.row_number, e.column) for e in summary.errors] == [(4, "CCCD")]
    assert summary.imported == 3


def test_a_chunk_is_a_csv_in_the_templates_own_headings() -> None:
    table = read_table(csv_bytes([HEADINGS[::-1], ROW[::-1]]), TEMPLATE)
    again = read_table(chunk_csv(TEMPLATE, table.rows), TEMPLATE)
    assert [dict(r.values) for r in again.rows] == [dict(r.values) for r in table.rows]
    assert again.rows[0].number == 2
