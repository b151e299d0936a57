"""A row becomes the API's own command model; refusals name row, column, field and reason."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from lmis_shared.imports import (
    RowRejected,
    build_command,
    choice,
    choices,
    read_table,
    vietnamese_date,
)
from tests.unit.import_files import CITIZEN_ID, HEADINGS, ROW, TEMPLATE, csv_bytes


class Person(BaseModel):
    """A stand-in for a service's command model (its rules are what the import applies)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str = Field(min_length=2)
    date_of_birth: date
    sex: str | None = None
    citizen_id: str
    commune_code: str | None = None
    groups: tuple[str, ...] = ()

    @field_validator("citizen_id")
    @classmethod
    def _twelve_digits(cls, value: str) -> str:
        if len(value) != 12:
            raise ValueError(f"{value} must be exactly 12 digits")  # quotes it, on purpose
        return value


class Withdraw(BaseModel):
    withdrawn_on: date


def rejected(rows: list[list[str]], model: type[BaseModel] = Person) -> RowRejected:
    table = read_table(csv_bytes([HEADINGS, *rows]), TEMPLATE)
    with pytest.raises(RowRejected) as refused:
        build_command(table, table.rows[0], model)
    return refused.value


def test_a_good_row_becomes_the_command_with_cells_translated() -> None:
    table = read_table(csv_bytes([[*HEADINGS, "Nhóm"], [*ROW, "Hộ nghèo; ho can ngheo"]]), TEMPLATE)
    person = build_command(table, table.rows[0], Person)
    assert person == Person(
        full_name="Lò Thị Mai",
        date_of_birth=date(1998, 4, 12),
        sex="female",
        citizen_id=CITIZEN_ID,
        commune_code="03637",
        groups=("poor", "near_poor"),
    )


def test_a_bad_row_names_row_column_field_and_reason_without_the_value() -> None:
    refused = rejected([["Lò Thị Mai", "12/04/1998", "Nữ", "12198001234", "03637"]])
    [error] = refused.errors
    assert (error.row_number, error.column, error.field) == (2, "Số CCCD", "citizen_id")
    assert "12 digits" in error.reason
    assert "12198001234" not in error.reason


def test_every_bad_cell_of_a_row_is_reported_at_once_in_column_order() -> None:
    refused = rejected([["L", "31/02/1998", "Khác", CITIZEN_ID, "03637"]])
    assert [(e.column, e.reason) for e in refused.errors] == [
        ("Họ và tên", "String should have at least 2 characters"),
        ("Ngày sinh", "is not a date of the calendar"),
        ("Giới tính", "must be one of: Nam, Nữ"),
    ]


def test_a_blank_cell_in_a_required_column_is_required_even_if_the_model_has_a_default() -> None:
    refused = rejected([["Lò Thị Mai", "", "Nữ", CITIZEN_ID, "03637"]])
    assert [(e.field, e.reason) for e in refused.errors] == [("date_of_birth", "is required")]


def test_a_later_commands_columns_feed_only_that_command() -> None:
    rows = [[*HEADINGS, "Ngày rút"], [*ROW, "01/07/2026"]]
    table = read_table(csv_bytes(rows), TEMPLATE)
    assert build_command(table, table.rows[0], Person).full_name == "Lò Thị Mai"
    withdraw = build_command(table, table.rows[0], Withdraw, group="withdraw")
    assert withdraw == Withdraw(withdrawn_on=date(2026, 7, 1))


def test_a_later_commands_error_names_its_own_column() -> None:
    table = read_table(csv_bytes([[*HEADINGS, "Ngày rút"], [*ROW, "1/7"]]), TEMPLATE)
    with pytest.raises(RowRejected) as refused:
        build_command(table, table.rows[0], Withdraw, group="withdraw")
    assert [(e.column, e.field) for e in refused.value.errors] == [
        ("Ngày rút", "withdraw.withdrawn_on")
    ]


@pytest.mark.parametrize(
    ("text", "day"),
    [("12/04/1998", date(1998, 4, 12)), ("2/4/1998", date(1998, 4, 2)),
     ("12-04-1998", date(1998, 4, 12)), ("1998-04-12", date(1998, 4, 12))],
)  # fmt: skip
def test_dates_are_read_day_first_or_iso(text: str, day: date) -> None:
    assert vietnamese_date(text) == day


@pytest.mark.parametrize("text", ["04/13/1998", "12/04/98", "12 tháng 4", "31/02/2000"])
def test_a_date_that_is_not_day_first_or_not_on_the_calendar_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="date") as refused:
        vietnamese_date(text)
    assert text not in str(refused.value)


def test_a_choice_takes_its_label_in_any_case_with_or_without_diacritics_or_the_api_value() -> None:
    sex = choice({"Nam": "male", "Nữ": "female"})
    assert [sex(t) for t in ("Nữ", "NỮ", "nu", "female", "Nam")] == [
        "female",
        "female",
        "female",
        "female",
        "male",
    ]


def test_several_choices_split_on_semicolons_or_commas_and_an_unknown_one_is_refused() -> None:
    groups = choices({"Hộ nghèo": "poor", "Hộ cận nghèo": "near_poor"})
    assert groups("Hộ nghèo, hộ cận nghèo;") == ("poor", "near_poor")
    with pytest.raises(ValueError, match="Hộ nghèo"):
        groups("Hộ nghèo; Hộ giàu")
