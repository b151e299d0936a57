"""The pace line: where a yearly flow ends if the rest of the year goes as it went so far."""

from __future__ import annotations

from datetime import date

import pytest

from lmis_reporting.domain.pace import projected_by_year_end


def test_half_a_year_done_doubles_by_december() -> None:
    # 2026 has 365 days; 1 January to 2 July inclusive is 183 of them
    assert projected_by_year_end(183, date(2026, 7, 2), 2026) == pytest.approx(365)


def test_on_the_last_day_the_projection_is_the_value() -> None:
    assert projected_by_year_end(412, date(2026, 12, 31), 2026) == 412
    assert projected_by_year_end(412, date(2027, 3, 1), 2026) == 412


def test_before_the_year_starts_there_is_nothing_to_project() -> None:
    assert projected_by_year_end(0, date(2025, 12, 31), 2026) is None


def test_the_first_day_counts_as_a_day_done() -> None:
    assert projected_by_year_end(2, date(2026, 1, 1), 2026) == 730
