"""An erased file, in the two domains that keep personal data: the erasure is recorded once,
the file takes no more commands, and its view shows no personal field (`erased: true`).

The fold of an erased file runs on neutral placeholders (`lmis_shared.privacy.fields`); here
the state is folded from clear events, as a test can, so a view that showed the state's
personal values would fail."""

from __future__ import annotations

from datetime import date

import pytest

from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.errors import IllegalTransition as PermitsIllegalTransition
from lmis_permits.domain.permit_status import PermitStatus
from lmis_permits.entrypoints.views import ForeignWorkerView
from lmis_registry.domain import workers as w
from lmis_registry.domain.errors import IllegalTransition
from lmis_registry.entrypoints.views import WorkerView
from lmis_shared.contracts.permits import ForeignWorkerErased
from lmis_shared.contracts.registry import WorkerErased
from lmis_shared.privacy.erasure import EraseRequest, decide_erasure
from tests.unit import test_permits_foreign_workers as foreign
from tests.unit.worker_examples import TODAY, command, registered

REQUEST = EraseRequest(legal_basis="Luật 91/2025/QH15, Điều 14", request_reference="YC-7")


def erased_worker() -> w.WorkerFile:
    state = registered()
    events = decide_erasure(state.erasure is not None, REQUEST, TODAY, WorkerErased)
    return w.AGGREGATE.fold_more(state, state.id, events)


def test_the_erasure_is_recorded_once() -> None:
    state = erased_worker()
    assert state.erasure is not None
    assert state.erasure.request_reference == "YC-7"
    assert decide_erasure(state.erasure is not None, REQUEST, TODAY, WorkerErased) == []


def test_an_erased_worker_file_takes_no_more_commands() -> None:
    with pytest.raises(IllegalTransition) as refused:
        w.decide(erased_worker(), command(w.Withdraw), TODAY)
    assert refused.value.current_state == "erased"


def test_an_erased_worker_file_shows_no_personal_field() -> None:
    view = WorkerView.of(erased_worker()).model_dump()
    assert view["erased"] is True
    personal = ("full_name", "date_of_birth", "citizen_id", "passport_number", "phone", "village")
    assert {k: view[k] for k in personal} == dict.fromkeys(personal)
    assert view["commune_code"] == registered().commune_code  # the rest still answers
    assert view["allowed_commands"] == []
    assert WorkerView.of(registered()).model_dump()["full_name"] is not None


def test_an_erased_foreign_worker_file_shows_no_personal_field_nor_card_number() -> None:
    residence = fw.RegisterResidence(
        card_number="TT123456", valid_from=date(2026, 3, 10), valid_until=date(2028, 2, 28)
    )
    state = foreign.run(foreign.registered(), foreign.ISSUE_RECENT, residence)
    events = decide_erasure(False, REQUEST, TODAY, ForeignWorkerErased)
    erased = fw.AGGREGATE.fold_more(state, state.id, events)

    view = ForeignWorkerView.of(erased, PermitStatus.valid).model_dump()
    assert view["erased"] is True
    assert (view["full_name"], view["passport_number"], view["date_of_birth"]) == (None,) * 3
    assert view["residence"]["card_number"] is None
    assert view["residence"]["valid_until"] == date(2028, 2, 28)
    assert erased.status == state.status  # erasure changes no fact that counts
    with pytest.raises(PermitsIllegalTransition, match="erased"):
        fw.decide(erased, foreign.ISSUE_RECENT, TODAY, rules=foreign.RULES)
