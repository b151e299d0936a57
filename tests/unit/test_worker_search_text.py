"""Searching names without diacritics, and the list's opaque cursor."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from lmis_registry.adapters.text_search import like_word_prefix, search_key
from lmis_registry.adapters.worker_list import decode_cursor, encode_cursor
from lmis_registry.application.ports import WorkerSummary
from lmis_registry.domain.workers import WorkerStatus
from lmis_shared.errors import InvalidInput


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("Đặng Thị Đào", "dang thi dao"),  # đ is no d with a mark: it must be mapped
        ("Nguye\u0302\u0303n  Va\u0306n\tAn", "nguyen van an"),  # combining marks, odd spaces
        ("LÒ THỊ MAI", "lo thi mai"),
        ("Hà Thị Ngọc Ánh", "ha thi ngoc anh"),
    ],
)
def test_a_name_folds_to_plain_lower_case_letters(typed: str, key: str) -> None:
    assert search_key(typed) == key


def test_like_wildcards_typed_in_a_query_match_only_themselves() -> None:
    assert like_word_prefix("50%_x") == "% 50\\%\\_x%"


def test_a_cursor_round_trips_and_says_nothing_readable() -> None:
    last = WorkerSummary(
        id=UUID(int=7),
        version=3,
        status=WorkerStatus.departed,
        full_name="Lò Thị Mai",
        commune_code="03637",
        province_code="12",
        priority_groups=(),
        registered_on=date(2026, 1, 10),
        destination_country="KR",
        programme="korea_eps",
        departure_date=None,
    )
    cursor = encode_cursor(last)
    assert decode_cursor(cursor) == (date(2026, 1, 10), UUID(int=7))
    assert "Mai" not in cursor


@pytest.mark.parametrize("cursor", ["not-a-cursor", "", "WzFd", "eyJhIjogMX0"])
def test_a_cursor_we_did_not_give_out_is_refused_naming_the_parameter(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor)
    assert caught.value.field == "query.cursor"
