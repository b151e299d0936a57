"""The register of sending organisations and the contract check, pure: licence states, dates,
markets, the override, and what each command records."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from lmis_registry.domain import senders
from lmis_registry.domain import workers as w
from lmis_registry.domain.errors import IllegalTransition, InvalidField
from lmis_shared.contracts import registry_senders as events
from lmis_shared.contracts.registry_senders import LicenceStatus, SenderCheckOutcome, SenderProblem
from tests.unit.worker_examples import TODAY, command, registered

SONA_ID = UUID("7a1d3c52-0e4b-4f6a-8d29-5b3e1c7f9a04")
SONA = {
    "kind": "licensed_enterprise",
    "name": "Công ty Cổ phần Nhân lực Sona",
    "licence_number": "123/LĐTBXH-GP",
    "licensed_on": "2020-03-01",
    "markets": ["jp", "KR"],
}


def sona(**changes: Any) -> senders.SendingOrganisation:
    registration = senders.RegisterSendingOrganisation.model_validate(SONA | changes)
    return senders.AGGREGATE.fold_more(None, SONA_ID, senders.decide(None, registration, TODAY))


def through_sona(**changes: Any) -> w.SignContract:
    named = {"kind": "licensed_enterprise", "organisation_id": str(SONA_ID)}
    return command(w.SignContract, sending_organisation=named, **changes)


def sign(contract: w.SignContract, organisation: senders.SendingOrganisation | None) -> list[Any]:
    return w.decide(registered(), contract, TODAY, sender=organisation)


def refused_field(
    contract: w.SignContract, organisation: senders.SendingOrganisation | None
) -> str:
    with pytest.raises(InvalidField) as refused:
        sign(contract, organisation)
    return refused.value.field


def test_a_licensed_organisation_for_the_market_is_verified_and_its_names_recorded() -> None:
    signed, checked = sign(through_sona(), sona())
    assert signed.sending_organisation.licence_number == "123/LĐTBXH-GP"
    assert (checked.outcome, checked.organisation_id, checked.problem) == (
        SenderCheckOutcome.verified,
        SONA_ID,
        None,
    )
    assert (checked.commune_code, checked.fees_vnd["service_fee"]) == ("03637", 650_000)


@pytest.mark.parametrize(
    ("organisation", "contract", "field"),
    [
        (None, {}, "sending_organisation.organisation_id"),
        (sona(licence_status="suspended"), {}, "sending_organisation.organisation_id"),
        (sona(licence_status="revoked"), {}, "sending_organisation.organisation_id"),
        (sona(licence_valid_until="2021-06-30"), {}, "sending_organisation.organisation_id"),
        (sona(licensed_on="2021-08-01"), {}, "sending_organisation.organisation_id"),
        (sona(markets=["TW"]), {}, "destination_country"),
    ],
    ids=["unknown", "suspended", "revoked", "expired", "not-yet-licensed", "market"],
)
def test_a_failed_check_is_refused_naming_the_field(
    organisation: senders.SendingOrganisation | None, contract: dict[str, Any], field: str
) -> None:
    assert refused_field(through_sona(**contract), organisation) == field


def test_a_licence_number_not_in_the_register_is_refused_on_that_field() -> None:
    by_licence = {"kind": "licensed_enterprise", "name": "Ma Co.", "licence_number": "9/GP"}
    contract = command(w.SignContract, sending_organisation=by_licence)
    assert refused_field(contract, None) == "sending_organisation.licence_number"


def test_an_override_records_the_problem_and_the_reason() -> None:
    reason = "Hồ sơ lịch sử, công ty đã giải thể năm 2022"
    _, checked = sign(through_sona(override_reason=reason), sona(licence_status="suspended"))
    assert (checked.outcome, checked.problem, checked.override_reason) == (
        SenderCheckOutcome.overridden,
        SenderProblem.suspended,
        reason,
    )
    file = w.AGGREGATE.fold_more(
        registered(), registered().id, [_ for _ in sign(through_sona(override_reason=reason), None)]
    )
    assert file.contract is not None
    assert (file.contract.sender_check, file.contract.sender_problem) == (
        SenderCheckOutcome.overridden,
        SenderProblem.unknown,
    )


def test_a_public_centre_named_by_name_and_an_individual_contract_record_no_check() -> None:
    assert len(sign(command(w.SignContract), None)) == 1
    individual = command(w.SignContract, sending_organisation={"kind": "individual_contract"})
    assert len(sign(individual, None)) == 1


def test_an_update_records_only_what_changed_and_a_suspension_once() -> None:
    state = sona()
    assert (
        senders.decide(state, senders.UpdateSendingOrganisation(markets=["KR", "JP"]), TODAY) == []
    )
    [updated] = senders.decide(state, senders.UpdateSendingOrganisation(markets=["TW"]), TODAY)
    assert isinstance(updated, events.SendingOrganisationUpdated)
    assert (updated.changed, updated.markets) == (["markets"], ["TW"])
    suspend = senders.SuspendSendingOrganisation(reason="Quyết định 512/QĐ")
    suspended = senders.AGGREGATE.fold_more(state, SONA_ID, senders.decide(state, suspend, TODAY))
    assert (suspended.licence_status, suspended.suspended_on) == (LicenceStatus.suspended, TODAY)
    with pytest.raises(IllegalTransition):
        senders.decide(suspended, suspend, TODAY)


def test_a_complaint_names_its_commune_and_province_never_a_person() -> None:
    complaint = senders.RecordComplaint(category="deception", commune_code="03637")
    [recorded] = senders.decide(sona(), complaint, TODAY)
    assert recorded.model_dump(mode="json") == {
        "received_on": TODAY.isoformat(),
        "category": "deception",
        "commune_code": "03637",
        "province_code": "12",
        "reference": None,
    }
    with pytest.raises(InvalidField):
        senders.decide(sona(), complaint.model_copy(update={"commune_code": "99999"}), TODAY)
    future = complaint.model_copy(update={"received_on": date(2099, 1, 1)})
    with pytest.raises(InvalidField):
        senders.decide(sona(), future, TODAY)


def test_a_public_centre_has_no_licence_number_and_an_enterprise_needs_one() -> None:
    with pytest.raises(ValueError, match="licence_number"):
        senders.RegisterSendingOrganisation.model_validate(SONA | {"licence_number": None})
    with pytest.raises(ValueError, match="licence_number"):
        senders.RegisterSendingOrganisation.model_validate(SONA | {"kind": "public_service_centre"})
    with pytest.raises(ValueError, match="markets"):
        senders.RegisterSendingOrganisation.model_validate(SONA | {"markets": ["VN"]})
