"""Reading CSV and XLSX files into rows keyed by the template's fields."""

from __future__ import annotations

import codecs
import unicodedata
from datetime import date, datetime

import pytest

from lmis_shared.imports import UnreadableFile, read_table
from tests.unit.import_files import (
    CITIZEN_ID,
    HEADINGS,
    ROW,
    TEMPLATE,
    csv_bytes,
    xlsx_bytes,
)

EXPECTED = {
    "full_name": "Lò Thị Mai",
    "date_of_birth": "12/04/1998",
    "sex": "Nữ",
    "citizen_id": CITIZEN_ID,
    "commune_code": "03637",
}


@pytest.mark.parametrize("bom", [False, True])
def test_a_utf8_csv_reads_with_or_without_a_byte_order_mark(bom: bool) -> None:
    table = read_table(csv_bytes([HEADINGS, ROW], bom=bom), TEMPLATE)
    assert [(r.number, dict(r.values)) for r in table.rows] == [(2, EXPECTED)]
    assert table.headings["full_name"] == "Họ và tên"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_the_separator_is_the_one_that_makes_the_headings_match(delimiter: str) -> None:
    table = read_table(csv_bytes([HEADINGS, ROW], delimiter=delimiter), TEMPLATE)
    assert dict(table.rows[0].values) == EXPECTED


def test_excels_unicode_text_utf16_with_its_byte_order_mark_reads() -> None:
    text = "\r\n".join("\t".join(r) for r in [HEADINGS, ROW])
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    assert dict(read_table(data, TEMPLATE).rows[0].values) == EXPECTED


def windows_1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: some letters precomposed, tones combining."""
    out = b""
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        for keep in range(len(decomposed), 0, -1):  # the longest precomposed head it has
            head = unicodedata.normalize("NFC", decomposed[:keep])
            try:
                out += head.encode("cp1258") + decomposed[keep:].encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
    return out


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_nul_anywhere_in_a_csv_refuses_the_file_not_only_in_its_first_bytes(
    encoding: str,
) -> None:
    # PostgreSQL stores no NUL in text: one in a name, past the bytes looked at first, was
    # a 500 after the rows before it were saved
    rows = [HEADINGS, *[ROW] * 200, [f"Lò{chr(0)}Thị Mai", *ROW[1:]]]
    text = "\r\n".join(",".join(r) for r in rows)
    data = (
        text.encode("utf-8")
        if encoding == "utf-8"
        else codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    )
    assert b"\x00" not in data[:4096] or encoding == "utf-16"
    with pytest.raises(UnreadableFile) as refused:
        read_table(data, TEMPLATE)
    assert refused.value.field == "file"
    assert "NUL" in refused.value.message
    assert "Lò" not in refused.value.message


def test_a_quote_left_open_refuses_the_file_instead_of_taking_the_rows_after_it() -> None:
    # not strict, the reader took every line after the open quote into one cell: those
    # rows were neither imported nor refused, with no error of their own
    rows = [",".join(HEADINGS), *[",".join(ROW)] * 3, '"Lò Thị Mai,' + ",".join(ROW[1:])]
    data = "\r\n".join([*rows, *[",".join(ROW)] * 5]).encode()
    with pytest.raises(UnreadableFile) as refused:
        read_table(data, TEMPLATE)
    assert refused.value.field == "file"
    assert "beginning at line 5" in refused.value.message  # where the quote opens
    assert "Lò" not in refused.value.message


def test_quoted_cells_that_spreadsheets_write_still_read() -> None:
    text = ",".join(HEADINGS) + '\r\n"Lò Thị Mai","12/04/1998",Nữ,"' + CITIZEN_ID + '",03637\r\n'
    table = read_table(text.encode(), TEMPLATE)
    assert dict(table.rows[0].values) == EXPECTED


def test_a_windows_1258_csv_is_refused_with_how_to_save_it_as_utf8() -> None:
    data = windows_1258("Họ và tên,Ngày sinh,Số CCCD\r\nLò Thị Mai,12/04/1998,012198001234\r\n")
    assert len(data) > 40  # every character written
    with pytest.raises(UnreadableFile) as refused:
        read_table(data, TEMPLATE)
    assert refused.value.field == "file"
    assert "UTF-8" in refused.value.message


def test_an_excel_97_workbook_is_refused_with_how_to_save_it() -> None:
    with pytest.raises(UnreadableFile, match=r"\.xlsx"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, TEMPLATE)


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="XLSX"):
        read_table(b"PK\x03\x04" + b"\x00" * 100, TEMPLATE)


@pytest.mark.parametrize(
    "heading",
    ["HỌ VÀ TÊN", "ho va ten", "  Họ   và tên ", "Họ và tên (*)", "full_name", "Ho va ten:"],
)
def test_headings_match_whatever_the_case_diacritics_spacing_or_marks(heading: str) -> None:
    table = read_table(
        csv_bytes([[heading, "Ngày sinh", "CCCD"], [*ROW[:2], CITIZEN_ID]]), TEMPLATE
    )
    assert table.rows[0].values["full_name"] == "Lò Thị Mai"
    assert table.heading("citizen_id") == "CCCD"  # errors name the column as the file heads it


def test_a_missing_required_column_refuses_the_file_naming_the_heading() -> None:
    with pytest.raises(UnreadableFile, match="Số CCCD"):
        read_table(csv_bytes([["Họ và tên", "Ngày sinh"], ["Lò Thị Mai", "12/04/1998"]]), TEMPLATE)


def test_two_columns_for_one_field_refuse_the_file() -> None:
    rows = [[*HEADINGS, "CCCD"], [*ROW, CITIZEN_ID]]
    with pytest.raises(UnreadableFile, match="Số CCCD"):
        read_table(csv_bytes(rows), TEMPLATE)


def test_a_file_without_a_heading_row_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="heading"):
        read_table(csv_bytes([ROW, ROW]), TEMPLATE)


def test_rows_keep_the_spreadsheets_numbers_below_a_title_and_across_blank_rows() -> None:
    rows = [["DANH SÁCH NGƯỜI LAO ĐỘNG"], [], HEADINGS, ROW, [""] * 5, ROW]
    table = read_table(csv_bytes(rows), TEMPLATE)
    assert [r.number for r in table.rows] == [4, 6]


def test_the_templates_example_row_is_not_imported() -> None:
    example = ["Lò Thị Mai", "", "", "", ""]
    table = read_table(csv_bytes([HEADINGS, example, ROW]), TEMPLATE)
    assert table.example_skipped
    assert [r.number for r in table.rows] == [3]


def test_unknown_headings_are_reported_and_comment_columns_ignored() -> None:
    rows = [["STT", *HEADINGS, "Ghi chú", "Nhom uu tienn"], ["1", *ROW, "xem lại", "x"]]
    table = read_table(csv_bytes(rows), TEMPLATE)
    assert table.unrecognised == ("Nhom uu tienn",)
    assert dict(table.rows[0].values) == EXPECTED


def test_an_unknown_heading_is_shown_without_a_citizen_id_in_it() -> None:
    table = read_table(csv_bytes([[*HEADINGS, CITIZEN_ID], ROW]), TEMPLATE)
    assert CITIZEN_ID not in "".join(table.unrecognised)


def test_a_file_over_the_row_limit_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="more than 2 rows"):
        read_table(csv_bytes([HEADINGS, ROW, ROW, ROW]), TEMPLATE, max_rows=2)


def test_xlsx_cells_become_text_dates_iso_and_numeric_codes_get_their_zeros_back() -> None:
    row = ["Lò Thị Mai", datetime(1998, 4, 12), "Nữ", 12198001234, 3637]
    table = read_table(xlsx_bytes([HEADINGS, row]), TEMPLATE)
    values = table.rows[0].values
    assert (values["date_of_birth"], values["citizen_id"], values["commune_code"]) == (
        "1998-04-12",
        CITIZEN_ID,
        "03637",
    )
    assert table.format == "xlsx"


def test_xlsx_text_cells_are_trimmed_as_csv_cells_are_and_blank_ones_left_out() -> None:
    row = ["  Lò Thị Mai\t", date(1998, 4, 12), "   ", f" {CITIZEN_ID} ", "03637"]
    values = read_table(xlsx_bytes([HEADINGS, row]), TEMPLATE).rows[0].values
    assert (values["full_name"], values["citizen_id"]) == ("Lò Thị Mai", CITIZEN_ID)
    assert "sex" not in values


def test_codes_typed_as_text_are_never_padded() -> None:
    row = ["Lò Thị Mai", date(1998, 4, 12), "Nữ", "12198001234", "3637"]
    values = read_table(xlsx_bytes([HEADINGS, row]), TEMPLATE).rows[0].values
    assert (values["citizen_id"], values["commune_code"]) == ("12198001234", "3637")


def test_xlsx_reads_the_templates_sheet_when_there_are_several() -> None:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Hướng dẫn"])
    data_sheet = book.create_sheet(TEMPLATE.sheet)
    data_sheet.append(HEADINGS)
    data_sheet.append(ROW)
    out = io.BytesIO()
    book.save(out)
    assert dict(read_table(out.getvalue(), TEMPLATE).rows[0].values) == EXPECTED
