"""A registration's event and new file are built from the validated command without being
validated again (`records.validated_already`, `evolve`'s registration): each must be the very
instance validation would make, field by field and type by type, over varied commands (both
sexes and centuries, optional fields left out, names typed with combining marks, leap days,
the 18th birthday, a registration dated today by default)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.domain import workers
from lmis_shared.contracts.registry import Person, WorkerRegistered
from lmis_shared.events import SpelledUUID
from lmis_shared.imports import Row, Table, build_command
from lmis_shared.records import record_from
from lmis_shared.reference import units

TODAY = date(2026, 11, 23)
FILE_ID = UUID("5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10")

BODIES: list[dict[str, Any]] = [
    {
        "full_name": "  Lò  Thị Mai ",
        "date_of_birth": "1998-04-12",
        "sex": "female",
        "ethnicity": "Thái",
        "citizen_id": "012198001234",
        "commune_code": "03637",
        "priority_groups": ["ethnic_minority", "poor_household", "ethnic_minority"],
        "registered_on": "2021-01-04",
    },
    {  # no priority group, no registration date (today's), ethnic group by code
        "full_name": "Nguye\u0302\u0303n Va\u0306n A\u0300n",  # "Nguyễn Văn Àn", combining marks
        "date_of_birth": "2008-11-23",  # 18 today, born in the 2000s
        "sex": "male",
        "ethnicity": "01",
        "citizen_id": "001208000017",
        "commune_code": "00004",
    },
    {  # a leap day, an empty list of groups, a name of one long word
        "full_name": "Giàng Thị Mỷ Pàng Sua Hương Dung",
        "date_of_birth": "1996-02-29",
        "sex": "female",
        "ethnicity": "HMông",
        "citizen_id": "012196000005",
        "commune_code": "03637",
        "priority_groups": [],
        "registered_on": "2026-11-23",
    },
]

CELLS: list[dict[str, str]] = [
    {
        "full_name": "Vàng  Văn Hải",
        "date_of_birth": "21/07/1984",
        "sex": "Nam",
        "ethnicity": "03",
        "citizen_id": "012084000000",
        "commune_code": "03637",
        "priority_groups": "Dân tộc thiểu số; Hộ nghèo",
        "registered_on": "07/04/2023",
    },
    {
        "full_name": "Tẩn Thị Xuân",
        "date_of_birth": "29.02.2000",
        "sex": "nu",
        "ethnicity": "Dao",
        "citizen_id": "012300000123",
        "commune_code": "03637",
        "registered_on": "2024-02-29",
    },
]


def commands() -> list[workers.RegisterWorker]:
    table = Table(WORKER_TEMPLATE, {}, [])
    built = [build_command(table, Row(i, c), workers.RegisterWorker) for i, c in enumerate(CELLS)]
    return [workers.RegisterWorker.model_validate(b) for b in BODIES] + built


def validated_event(command: workers.RegisterWorker) -> WorkerRegistered:
    """The event as it was made before: every field read from the command and validated."""
    return record_from(
        WorkerRegistered,
        command,
        person=record_from(Person, command),
        province_code=units.province_of(command.commune_code),
        registered_on=command.registered_on or TODAY,
    )


def assert_same_model(made: Any, validated: Any) -> None:
    assert made == validated
    assert type(made) is type(validated)
    assert list(vars(made)) == list(vars(validated))
    assert [type(v) for v in vars(made).values()] == [type(v) for v in vars(validated).values()]
    assert made.model_fields_set == validated.model_fields_set
    assert made.__pydantic_extra__ == validated.__pydantic_extra__
    assert made.__pydantic_private__ == validated.__pydantic_private__
    assert made.model_dump_json() == validated.model_dump_json()
    assert made.model_dump(mode="json") == validated.model_dump(mode="json")


@pytest.mark.parametrize("command", commands(), ids=lambda c: c.citizen_id)
def test_the_registration_event_is_the_one_validation_makes(
    command: workers.RegisterWorker,
) -> None:
    [event] = workers.decide(None, command, TODAY)
    validated = validated_event(command)

    assert isinstance(event, WorkerRegistered)
    assert_same_model(event, validated)
    assert_same_model(event.person, validated.person)
    assert WorkerRegistered.model_validate_json(event.model_dump_json()) == event
    with pytest.raises(ValueError, match="frozen"):
        event.person.full_name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("command", commands(), ids=lambda c: c.citizen_id)
@pytest.mark.parametrize("file_id", [FILE_ID, SpelledUUID(int=FILE_ID.int)])
def test_a_registered_file_is_the_one_its_dataclass_makes(
    command: workers.RegisterWorker, file_id: UUID
) -> None:
    event = validated_event(command)
    state = workers.AGGREGATE.fold_more(None, file_id, [event])
    made = workers.WorkerFile(
        id=file_id,
        version=1,
        status=workers.WorkerStatus.registered,
        **{f: getattr(event, f) for f in WorkerRegistered.model_fields},
    )

    assert state == made
    assert type(state) is workers.WorkerFile
    assert list(vars(state)) == list(vars(made)) == [f.name for f in fields(made)]
    assert [type(v) for v in vars(state).values()] == [type(v) for v in vars(made).values()]
    assert type(state.id) is type(file_id)
    with pytest.raises(AttributeError):
        state.version = 2  # type: ignore[misc]
