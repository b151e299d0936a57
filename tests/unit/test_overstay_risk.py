"""The overstay-risk ranking: overstay rate and contracts ending within the horizon, per
commune and per destination, on a date; returned workers and absconders do not count as
ending soon."""

from __future__ import annotations

from datetime import date

from lmis_reporting.domain.facts import WorkerFacts
from lmis_reporting.domain.overstay_risk import rank

DAY = date(2026, 6, 15)


def abroad(
    country: str = "KR", ends: date | None = date(2027, 1, 1), **more: object
) -> WorkerFacts:
    return WorkerFacts.model_validate(
        {
            "commune_code": "03637",
            "province_code": "12",
            "destination_country": country,
            "departed_on": date(2024, 1, 10),
            "contract_ends_on": ends,
        }
        | more
    )


def test_communes_rank_by_overstay_rate_then_by_contracts_ending_soon() -> None:
    soon = date(2026, 8, 1)
    workers = [
        ("A", abroad(ends=soon)),
        ("A", abroad(ends=soon)),
        ("B", abroad(overstaying_since=date(2026, 1, 2))),
        ("B", abroad()),
        ("C", abroad(ends=soon)),
        ("C", abroad(returned_on=date(2026, 5, 1))),  # back: not abroad
    ]

    ranked = rank(workers, DAY, 90)

    assert [(r.key, r.abroad, r.overstaying, r.ending_soon) for r in ranked] == [
        ("B", 2, 1, 0),
        ("A", 2, 0, 2),
        ("C", 1, 0, 1),
    ]
    assert ranked[0].overstay_rate == 0.5
    assert [r.key for r in rank(workers, DAY, 90, by="ending_soon")] == ["A", "C", "B"]


def test_an_absconder_or_a_contract_beyond_the_horizon_is_not_ending_soon() -> None:
    workers = [
        ("KR", abroad(ends=date(2026, 7, 1), absconded_on=date(2026, 2, 1))),
        ("KR", abroad(ends=date(2026, 9, 14))),  # 91 days ahead
        ("KR", abroad(ends=date(2026, 9, 13))),  # 90 days ahead
    ]
    [row] = rank(workers, DAY, 90)
    assert (row.abroad, row.ending_soon) == (3, 1)
