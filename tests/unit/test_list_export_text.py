"""The dashboard's list export keeps text as text: a value that Excel would take for a formula
(a name or title someone typed as `=HYPERLINK(...)`) is a text cell, never evaluated."""

from __future__ import annotations

import io

import openpyxl

from lmis_reporting.entrypoints.list_export import list_workbook


def test_a_value_starting_with_an_equals_sign_is_text_not_a_formula() -> None:
    injected = '=HYPERLINK("http://example.invalid","Xem")'
    data = list_workbook(["name", "count"], [{"name": injected, "count": 3}])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    name, count = sheet["A2"], sheet["B2"]
    assert (name.value, name.data_type) == (injected, "s")
    assert (count.value, count.data_type) == (3, "n")
