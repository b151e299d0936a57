"""Example worker-file commands and a file at each stage, for the worker unit tests.

Everything happens on fixed dates before `TODAY`, so no test depends on the wall clock.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from lmis_registry.domain import workers as w
from lmis_shared.events import EventPayload

TODAY = date(2026, 11, 23)
WORKER_ID = UUID("5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10")

C = TypeVar("C", bound=w.WorkerCommand)


PERSON: dict[str, Any] = {
    "full_name": "Lò Thị Mai",
    "date_of_birth": "1998-04-12",
    "sex": "female",
    "ethnicity": "Thái",
    "citizen_id": "012198001234",
    "commune_code": "03637",
    "priority_groups": ["ethnic_minority"],
}
"""The worker every worker test registers: the body of `POST /v1/workers` but for its date."""


def registration(**changes: Any) -> w.RegisterWorker:
    return w.RegisterWorker.model_validate(PERSON | {"registered_on": "2021-01-04"} | changes)


def documented_body(command: type[w.WorkerCommand]) -> dict[str, Any]:
    """The example body the command shows in the API's documentation."""
    examples: list[dict[str, Any]] = command.model_config["json_schema_extra"]["examples"]
    return dict(examples[0])


SIGN_CONTRACT: dict[str, Any] = documented_body(w.SignContract) | {
    "start_date": "2021-09-01",
    "signed_on": "2021-07-15",
}
"""A contract with Korea's EPS, which sends through the public centre: a public centre named by
its name is recorded unchecked (`sender_check`), so the tests that sign it need no register."""


BODIES: dict[type[w.WorkerCommand], dict[str, Any]] = {
    w.UpdateProfile: {"phone": "0912 345 678"},
    w.EnrolTraining: {
        "kind": "language",
        "centre": "Trung tâm Ngoại ngữ Lai Châu",
        "language": "ko",
        "enrolled_on": "2021-02-01",
    },
    w.RecordTrainingResult: {
        "kind": "language",
        "completed_on": "2021-06-30",
        "passed": True,
        "exam": "eps_topik",
        "score": 142,
    },
    w.SignContract: SIGN_CONTRACT | {"destination_country": "kr"},
    w.RecordDeparture: {"departure_date": "2021-08-28", "border_gate": "Nội Bài"},
    w.ExtendContract: {"new_end_date": "2025-08-31"},
    w.RecordReturn: {"return_date": "2025-09-03", "reason": "contract_completed"},
    w.ReportAbsconded: {"date": "2022-05-20", "source": "employer"},
    w.ReportOverstaying: {"date": "2024-09-15", "source": "embassy"},
    w.Withdraw: {"reason": "failed_exam", "withdrawn_on": "2021-07-01"},
    w.RecordResidenceCheck: {"checked_on": "2021-03-10", "outcome": "confirmed"},
    w.CheckIdentity: {},
    w.RecordFamilyVisit: {
        "visited_on": "2024-10-02",
        "visited_by": "commune_officer",
        "outcome": "family_met",
        "next_step": "visit_again",
    },
}


def command(kind: type[C], /, **changes: Any) -> C:
    return kind.model_validate(BODIES[kind] | changes)


def registered() -> w.WorkerFile:
    return w.AGGREGATE.fold_more(None, WORKER_ID, w.decide(None, registration(), TODAY))


def run(state: w.WorkerFile, *commands: w.AnyWorkerCommand) -> w.WorkerFile:
    """`state` after deciding and applying each command in turn."""
    for each in commands:
        state = w.AGGREGATE.fold_more(state, state.id, w.decide(state, each, TODAY))
    return state


def decide_one(state: w.WorkerFile, each: w.AnyWorkerCommand) -> EventPayload:
    [event] = w.decide(state, each, TODAY)
    return event


def in_training() -> w.WorkerFile:
    return run(registered(), command(w.EnrolTraining))


def contracted() -> w.WorkerFile:
    return run(in_training(), command(w.RecordTrainingResult), command(w.SignContract))


def departed() -> w.WorkerFile:
    return run(contracted(), command(w.RecordDeparture))


def absconded() -> w.WorkerFile:
    return run(departed(), command(w.ReportAbsconded))


def overstaying() -> w.WorkerFile:
    return run(departed(), command(w.ReportOverstaying))


def returned() -> w.WorkerFile:
    return run(departed(), command(w.RecordReturn))


def withdrawn() -> w.WorkerFile:
    return run(registered(), command(w.Withdraw))
