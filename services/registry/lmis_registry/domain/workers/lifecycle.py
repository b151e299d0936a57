"""The worker file's state machine as data (domain.md, domain 1).

    registered → in_training → contracted → departed → (extended)* → returned
    side exits: withdrawn (before departure), absconded (during the contract),
                overstaying (contract ended, not back); both can still end in returned.

`TRANSITIONS` says which commands each status accepts; `GUARDS` narrow a command further on
the file's content. One table answers both questions the API asks: may this command run
(else `IllegalTransition`, 409), and which commands may run now (`allowed_commands`).

Training does not gate the contract: a worker on an individual contract, or a historical
record, has none, so `sign-contract` is open from `registered` as well. Training may go on
after signing (the pre-departure orientation course) without moving the status back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lmis_registry.domain.errors import IllegalTransition
from lmis_registry.domain.workers.state import WorkerFile, WorkerStatus

UPDATE_PROFILE = "update-profile"
ENROL_TRAINING = "enrol-training"
RECORD_TRAINING_RESULT = "record-training-result"
SIGN_CONTRACT = "sign-contract"
RECORD_DEPARTURE = "record-departure"
EXTEND_CONTRACT = "extend-contract"
RECORD_RETURN = "record-return"
REPORT_ABSCONDED = "report-absconded"
REPORT_OVERSTAYING = "report-overstaying"
WITHDRAW = "withdraw"
RECORD_RESIDENCE_CHECK = "record-residence-check"
RECORD_FAMILY_VISIT = "record-family-visit"
CHECK_IDENTITY = "check-identity"
RECORD_RETURN_SKILLS = "record-return-skills"

_BEFORE_DEPARTURE = (
    UPDATE_PROFILE,
    ENROL_TRAINING,
    RECORD_TRAINING_RESULT,
    RECORD_RESIDENCE_CHECK,
    CHECK_IDENTITY,
)

TRANSITIONS: Mapping[WorkerStatus, tuple[str, ...]] = {
    WorkerStatus.registered: (*_BEFORE_DEPARTURE, SIGN_CONTRACT, WITHDRAW),
    WorkerStatus.in_training: (*_BEFORE_DEPARTURE, SIGN_CONTRACT, WITHDRAW),
    WorkerStatus.contracted: (*_BEFORE_DEPARTURE, RECORD_DEPARTURE, WITHDRAW),
    WorkerStatus.departed: (
        UPDATE_PROFILE,
        EXTEND_CONTRACT,
        RECORD_RETURN,
        REPORT_ABSCONDED,
        REPORT_OVERSTAYING,
        RECORD_RESIDENCE_CHECK,
        CHECK_IDENTITY,
    ),
    # the family is visited while the worker stays abroad illegally (`follow_up.py`)
    WorkerStatus.absconded: (
        UPDATE_PROFILE,
        RECORD_RETURN,
        REPORT_OVERSTAYING,
        RECORD_RESIDENCE_CHECK,
        CHECK_IDENTITY,
        RECORD_FAMILY_VISIT,
    ),
    WorkerStatus.overstaying: (
        UPDATE_PROFILE,
        RECORD_RETURN,
        RECORD_RESIDENCE_CHECK,
        CHECK_IDENTITY,
        RECORD_FAMILY_VISIT,
    ),
    # what the worker brings back is told after the return (`return_skills.py`)
    WorkerStatus.returned: (RECORD_RETURN_SKILLS,),
    WorkerStatus.withdrawn: (),
}

GUARDS: Mapping[str, Callable[[WorkerFile], bool]] = {
    # a result needs an enrolment still waiting for one
    RECORD_TRAINING_RESULT: lambda state: any(t.pending for t in state.trainings),
}


def allowed_commands(state: WorkerFile) -> list[str]:
    return [c for c in TRANSITIONS[state.status] if GUARDS.get(c, _always)(state)]


def ensure_allowed(state: WorkerFile, command: str) -> None:
    allowed = allowed_commands(state)
    if command not in allowed:
        raise IllegalTransition(state.status.value, allowed, command=command)


def _always(state: WorkerFile) -> bool:
    return True
