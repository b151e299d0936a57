"""The counting rules of the reporting service: which event moves which count, where and when."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from lmis_reporting.domain.indicators import (
    RULES,
    TOTAL,
    CountRule,
    Increment,
    RuleError,
    handled_event_types,
    increments,
    merge,
)
from lmis_shared.contracts.registry import Person, PriorityGroup, Sex, WorkerRegistered
from lmis_shared.events import payload_class


def registered(
    commune: str = "03637",
    on: date = date(2026, 2, 17),
    sex: Sex = Sex.female,
    groups: tuple[PriorityGroup, ...] = (),
) -> WorkerRegistered:
    return WorkerRegistered(
        person=Person(full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="0" * 12),
        sex=sex,
        ethnicity="Thái",
        commune_code=commune,
        province_code="12",
        priority_groups=groups,
        registered_on=on,
    )


def totals(items: list[Increment]) -> list[Increment]:
    return [i for i in items if i.dimension == TOTAL]


def test_a_registration_adds_one_to_its_commune_in_the_month_it_was_registered() -> None:
    (total,) = totals(increments(registered("03640", date(2026, 2, 17))))

    assert total == Increment("workers_registered", "03640", date(2026, 2, 1), TOTAL, TOTAL, 1)


def test_a_registration_is_broken_down_by_sex_and_by_each_priority_group() -> None:
    event = registered(
        sex=Sex.male, groups=(PriorityGroup.poor_household, PriorityGroup.ethnic_minority)
    )

    breakdown = {(i.dimension, i.dim_value) for i in increments(event) if i.dimension != TOTAL}

    assert breakdown == {
        ("sex", "male"),
        ("priority_groups", "ethnic_minority"),
        ("priority_groups", "poor_household"),
    }


def test_a_registration_without_priority_groups_has_no_priority_group_rows() -> None:
    dimensions = {i.dimension for i in increments(registered(groups=()))}

    assert dimensions == {TOTAL, "sex"}


def test_an_event_no_rule_names_moves_nothing() -> None:
    rule = CountRule("lmis.registry.worker.departed.v1", "workers_departed", "commune_code", "on")

    assert increments(registered(), rules=[rule]) == []


def test_merging_sums_the_deltas_of_one_row_and_drops_rows_that_cancel_out() -> None:
    a = Increment("workers_registered", "03637", date(2026, 2, 1), TOTAL, TOTAL, 1)
    b = Increment("workers_registered", "03640", date(2026, 2, 1), TOTAL, TOTAL, 1)

    merged = merge([a, a, b, a, replace(b, delta=-1)])

    assert merged == [Increment("workers_registered", "03637", date(2026, 2, 1), TOTAL, TOTAL, 3)]


def test_a_rule_naming_a_field_the_event_lacks_is_refused() -> None:
    rule = CountRule(WorkerRegistered.event_type, "workers_registered", "district_code", "x")

    with pytest.raises(RuleError, match="district_code"):
        increments(registered(), rules=[rule])


def test_every_rule_names_a_catalogued_event_and_fields_it_has() -> None:
    for rule in RULES:
        fields = payload_class(rule.event_type).model_fields
        named = {rule.unit_field, rule.date_field, *rule.dimensions}
        assert named <= fields.keys(), f"{rule.indicator} names {named - fields.keys()}"


def test_the_projection_handles_exactly_the_event_types_the_rules_name() -> None:
    assert handled_event_types() == {WorkerRegistered.event_type}
