"""Counting in bulk (a rebuild's) is the live counting: the compiled rules yield what the rules
yield, row for row, and a bulk tally leaves what `tally` leaves.

The events are the random histories of the "as of" tests: every stream type, late records,
several versions a day, streams that move commune.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import uuid4

import pytest

from lmis_reporting.adapters.facts_store import dump
from lmis_reporting.application.bulk_counting import bulk_tally
from lmis_reporting.application.counting import tally
from lmis_reporting.application.ports import StreamEvent
from lmis_reporting.domain.compiled_rules import increment_keys
from lmis_reporting.domain.facts import Facts, evolve
from lmis_reporting.domain.indicators import RuleError, increments
from lmis_shared.clock import VIETNAM_TZ
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_jobs as jobs
from tests.integration.as_of_history import history
from tests.unit.test_indicator_rules import registered


def _events(seed: int) -> list[StreamEvent]:
    return [
        StreamEvent(
            e.metadata.stream_id,
            e.metadata.stream_type,
            e.payload(),
            e.metadata.recorded_at.astimezone(VIETNAM_TZ).date(),
        )
        for stored in history(seed).values()
        for e in stored
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_compiled_rules_yield_the_rules_rows_in_order(seed: int) -> None:
    facts: dict[object, Facts | None] = {}
    seen = 0
    for e in _events(seed):
        after = evolve(facts.get(e.stream_id), e.payload)
        facts[e.stream_id] = after
        expected = [(i.key, i.delta) for i in increments(e.payload, after)]
        assert increment_keys(e.payload, after) == expected
        seen += len(expected)
    assert seen > 1000


def test_a_stream_whose_first_event_never_came_is_counted_as_the_rules_count_it() -> None:
    payload = r.WorkerDeparted(departure_date=registered().registered_on, border_gate="Nội Bài")

    assert increment_keys(payload, None) == [(i.key, i.delta) for i in increments(payload)]


def test_a_rule_naming_an_attribute_nobody_has_is_refused_as_by_the_rules() -> None:
    broken = registered().model_copy(update={"registered_on": "not a date"})

    with pytest.raises(RuleError):
        increments(broken)
    with pytest.raises(RuleError):
        increment_keys(broken, None)


def _batches(events: Sequence[StreamEvent], size: int) -> list[Sequence[StreamEvent]]:
    return [events[i : i + size] for i in range(0, len(events), size)]


@pytest.mark.parametrize("size", [1, 37, 100_000])
def test_a_bulk_tally_leaves_what_tally_leaves(size: int) -> None:
    known: dict[object, Facts] = {}
    for batch in _batches(_events(3), size):
        ours = bulk_tally(
            [(e.stream_id, e.stream_type, e.payload, e.recorded_on) for e in batch],  # type: ignore[misc]
            known,  # type: ignore[arg-type]
        )
        theirs = tally(batch, known)  # type: ignore[arg-type]
        assert ours.facts == theirs.facts
        assert ours.counts == {i.key: i.delta for i in theirs.increments}
        assert ours.versions == {
            (v.stream_id, v.known_from): (v.stream_type, v.facts) for v in theirs.versions
        }
        assert len(ours.versions) == len(theirs.versions)
        assert ours.recorded == {
            (*i.increment.key, i.recorded_on): i.increment.delta for i in theirs.recorded
        }
        known.update({stream: f for stream, (_, f) in theirs.facts.items()})


def test_facts_are_dumped_as_pydantic_dumps_them_without_defaults() -> None:
    facts: dict[object, Facts | None] = {}
    every: list[Facts] = []
    for e in _events(3):
        after = facts[e.stream_id] = evolve(facts.get(e.stream_id), e.payload)
        every += [after] if after is not None else []
    assert len({type(f) for f in every}) > 3

    assert [dump(f) for f in every] == [f.model_dump_json(exclude_defaults=True) for f in every]


def _report_and_its_correction(
    day: date,
) -> tuple[jobs.JobCreationReported, jobs.JobCreationReported]:
    """A commune's report of 3 jobs on `day`, and its correction back to none."""
    report = jobs.JobCreationReported(
        commune_code="03640",
        province_code="12",
        period=date(2026, 2, 1),
        programme=next(iter(jobs.JobCreationProgramme)),
        jobs=3,
        jobs_change=3,
        reported_on=day,
    )
    return report, report.model_copy(update={"jobs": 0, "jobs_change": -3})


def test_a_bulk_tally_leaves_out_rows_whose_deltas_cancel_out() -> None:
    # a commune's report and its correction back to nothing in one batch: no row, as `merge`
    stream, day = uuid4(), date(2026, 3, 10)
    report, correction = _report_and_its_correction(day)
    batch = [StreamEvent(stream, jobs.STREAM_TYPE, e, day) for e in (report, correction)]

    ours = bulk_tally([(stream, jobs.STREAM_TYPE, e.payload, day) for e in batch], {})

    assert ours.counts == {} == {i.key: i.delta for i in tally(batch, {}).increments}
    assert ours.recorded == {}
    assert bulk_tally([(stream, jobs.STREAM_TYPE, report, day)], {}).counts


def test_a_row_that_cancels_out_over_days_is_left_out_but_its_days_are_kept() -> None:
    # the report on one day and its correction the next, in one batch: each row's sum is that
    # of its sums by day (nothing), while each day keeps what it added
    stream, day = uuid4(), date(2026, 3, 10)
    report, correction = _report_and_its_correction(day)
    days = (day, date(2026, 3, 11))
    pairs = zip((report, correction), days, strict=True)
    batch = [StreamEvent(stream, jobs.STREAM_TYPE, e, d) for e, d in pairs]
    theirs = tally(batch, {})

    ours = bulk_tally([(stream, jobs.STREAM_TYPE, e.payload, e.recorded_on) for e in batch], {})

    assert ours.counts == {} == {i.key: i.delta for i in theirs.increments}
    assert ours.recorded == {
        (*i.increment.key, i.recorded_on): i.increment.delta for i in theirs.recorded
    }
    assert set(ours.recorded.values()) == {3, -3}
