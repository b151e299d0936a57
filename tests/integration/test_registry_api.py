"""The registry's HTTP API on the real PostgreSQL: register a worker file, read it back, and
take it through its lifecycle with versions, idempotency and the state machine enforced."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest

from tests.integration.worker_api import DEPART, RETURN, SIGN_CONTRACT, Api, worker
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration


async def test_a_registered_worker_file_reads_back_as_registered(api: Api) -> None:
    created = await api.client.post("/v1/workers", json=worker(), headers=api.auth())
    assert created.status_code == 201, created.text
    worker_id = created.json()["id"]
    assert created.headers["Location"] == f"/v1/workers/{worker_id}"

    fetched = await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())
    assert fetched.status_code == 200
    body = fetched.json()
    assert (body["status"], body["version"], body["full_name"]) == ("registered", 1, "Lò Thị Mai")
    assert (body["ethnicity"], body["province_code"]) == ("03", "12")
    assert fetched.headers["ETag"] == '"1"'


async def test_an_invalid_field_is_a_problem_naming_the_field_without_echoing_it(api: Api) -> None:
    response = await api.client.post(
        "/v1/workers", json=worker(citizen_id="999198001234"), headers=api.auth()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["body.citizen_id"]
    assert "999198001234" not in response.text


async def test_a_repeated_idempotency_key_returns_the_first_answer_and_appends_nothing(
    api: Api,
) -> None:
    headers = api.auth() | {"Idempotency-Key": "import-row-17"}
    first = await api.client.post("/v1/workers", json=worker(), headers=headers)
    again = await api.client.post("/v1/workers", json=worker(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await api.store.read_all(None)) == 1


async def test_an_idempotency_key_reused_for_another_request_is_refused(api: Api) -> None:
    headers = api.auth() | {"Idempotency-Key": "import-row-18"}
    await api.client.post("/v1/workers", json=worker(), headers=headers)
    other = await api.client.post("/v1/workers", json=worker(commune_code="03640"), headers=headers)
    assert_invalid(other, "header.Idempotency-Key")
    assert len(await api.store.read_all(None)) == 1


async def test_a_commune_officer_works_only_on_files_of_that_commune(api: Api) -> None:
    own = api.auth(role="commune_officer", scope="03637")
    other = api.auth(role="commune_officer", scope="03640")
    created = await api.client.post("/v1/workers", json=worker(), headers=own)
    assert created.status_code == 201
    refused = await api.client.post("/v1/workers", json=worker(), headers=other)
    assert refused.status_code == 403
    worker_id = created.json()["id"]
    # another commune's file answers exactly as a missing one: no oracle of what exists
    hidden = await api.client.get(f"/v1/workers/{worker_id}", headers=other)
    missing = await api.client.get(f"/v1/workers/{UUID(int=7)}", headers=other)
    assert hidden.status_code == missing.status_code == 404
    assert _comparable(hidden.json()) == _comparable(missing.json())
    assert "03637" not in hidden.text
    assert (await api.client.get(f"/v1/workers/{worker_id}", headers=own)).status_code == 200


def _comparable(problem: dict[str, object]) -> dict[str, object]:
    """A problem without what differs by request anyway (the path asked for, the id)."""
    return {k: v for k, v in problem.items() if k not in {"instance", "correlation_id"}}


async def test_a_bank_officer_cannot_register_workers(api: Api) -> None:
    response = await api.client.post("/v1/workers", json=worker(), headers=api.auth(role="bank"))
    assert response.status_code == 403


async def test_an_unknown_file_is_not_found_and_a_missing_token_is_unauthorised(api: Api) -> None:
    missing = UUID(int=7)
    assert (await api.client.get(f"/v1/workers/{missing}", headers=api.auth())).status_code == 404
    assert (await api.client.get(f"/v1/workers/{missing}")).status_code == 401


async def test_a_file_goes_through_its_whole_lifecycle_with_if_match(api: Api) -> None:
    worker_id = await api.register()
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "enrol-training",
            {
                "kind": "language",
                "centre": "Trung tâm Ngoại ngữ",
                "language": "ko",
                "enrolled_on": "2021-02-01",
            },
        ),
        (
            "record-training-result",
            {
                "kind": "language",
                "completed_on": "2021-06-30",
                "passed": True,
                "exam": "eps_topik",
                "score": 142,
            },
        ),
        ("sign-contract", SIGN_CONTRACT),
        ("record-departure", DEPART),
        ("extend-contract", {"new_end_date": "2025-08-31"}),
        ("record-return", RETURN | {"return_date": "2025-09-03"}),
    ]
    for version, (name, body) in enumerate(steps, start=1):
        response = await api.command(worker_id, name, body, **{"If-Match": f'"{version}"'})
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == f'"{version + 1}"'

    fetched = (await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())).json()
    assert (fetched["status"], fetched["version"], fetched["allowed_commands"]) == (
        "returned",
        7,
        ["record-return-skills"],  # what the worker brings back is told after the return
    )
    assert fetched["contract"]["end_date"] == "2025-08-31"
    assert fetched["abroad"]["return_reason"] == "contract_completed"
    assert fetched["trainings"][0]["score"] == 142


async def test_a_file_answers_the_commands_it_allows_now(api: Api) -> None:
    worker_id = await api.register()
    await api.run(worker_id, ("sign-contract", SIGN_CONTRACT))
    body = (await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())).json()
    assert body["status"] == "contracted"
    assert body["allowed_commands"] == [
        "update-profile",
        "enrol-training",
        "record-residence-check",
        "check-identity",
        "record-departure",
        "withdraw",
    ]


@pytest.mark.parametrize(
    ("name", "body", "state"),
    [
        ("record-departure", DEPART, "registered"),
        ("record-return", RETURN, "registered"),
        ("report-overstaying", {"date": "2024-10-01", "source": "embassy"}, "registered"),
    ],
)
async def test_an_illegal_transition_is_a_409_naming_state_and_allowed_commands(
    api: Api, name: str, body: dict[str, Any], state: str
) -> None:
    worker_id = await api.register()
    response = await api.command(worker_id, name, body)
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "urn:lmis:problem:invalid-transition"
    assert problem["current_state"] == state
    assert problem["allowed_commands"] == [
        "update-profile",
        "enrol-training",
        "record-residence-check",
        "check-identity",
        "sign-contract",
        "withdraw",
    ]


async def test_withdrawing_after_departure_is_refused(api: Api) -> None:
    worker_id = await api.register()
    await api.run(worker_id, ("sign-contract", SIGN_CONTRACT), ("record-departure", DEPART))
    response = await api.command(worker_id, "withdraw", {"reason": "personal"})
    assert response.status_code == 409
    assert response.json()["current_state"] == "departed"


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        (
            "sign-contract",
            SIGN_CONTRACT | {"destination_country": "XX"},
            "body.destination_country",
        ),
        ("sign-contract", SIGN_CONTRACT | {"fees_vnd": {"deposit": 0}}, "body.fees_vnd.deposit"),
        ("sign-contract", SIGN_CONTRACT | {"signed_on": "2026-11-24"}, "signed_on"),
        ("enrol-training", {"kind": "language", "centre": "Trung tâm"}, "body.language"),
        ("withdraw", {"reason": "personal", "withdrawn_on": "2026-12-01"}, "withdrawn_on"),
    ],
)
async def test_an_invalid_field_is_a_422_naming_it(
    api: Api, name: str, body: dict[str, Any], field: str
) -> None:
    worker_id = await api.register()
    response = await api.command(worker_id, name, body)
    assert_invalid(response, field)


async def test_a_departure_dated_tomorrow_is_refused(api: Api) -> None:
    worker_id = await api.register()
    await api.run(worker_id, ("sign-contract", SIGN_CONTRACT))
    response = await api.command(
        worker_id, "record-departure", DEPART | {"departure_date": "2026-11-24"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "departure_date"


async def test_a_stale_if_match_is_a_412_and_changes_nothing(api: Api) -> None:
    worker_id = await api.register()
    await api.run(worker_id, ("sign-contract", SIGN_CONTRACT))
    response = await api.command(worker_id, "record-departure", DEPART, **{"If-Match": '"1"'})
    assert response.status_code == 412
    assert (response.json()["expected_version"], response.json()["current_version"]) == (1, 2)
    assert len(await api.store.read_stream(UUID(worker_id))) == 2


async def test_of_two_writers_of_one_version_exactly_one_wins(api: Api) -> None:
    worker_id = await api.register()
    enrol = {"kind": "orientation", "centre": "Trung tâm Dịch vụ việc làm"}
    answers = await asyncio.gather(
        *(api.command(worker_id, "enrol-training", enrol, **{"If-Match": '"1"'}) for _ in "ab")
    )
    assert sorted(a.status_code for a in answers)[0] == 200
    assert sorted(a.status_code for a in answers)[1] in {409, 412}  # a race, or a stale read
    assert len(await api.store.read_stream(UUID(worker_id))) == 2


async def test_a_repeated_command_with_its_key_is_replayed_not_applied_twice(api: Api) -> None:
    worker_id = await api.register()
    enrol = {"kind": "orientation", "centre": "Trung tâm Dịch vụ việc làm"}
    first = await api.command(worker_id, "enrol-training", enrol, **{"Idempotency-Key": "e-1"})
    again = await api.command(worker_id, "enrol-training", enrol, **{"Idempotency-Key": "e-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() == {"id": worker_id, "version": 2, "status": "in_training"}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await api.store.read_stream(UUID(worker_id))) == 2


async def test_a_profile_update_is_a_patch_of_what_changed(api: Api) -> None:
    worker_id = await api.register()
    response = await api.client.patch(
        f"/v1/workers/{worker_id}",
        json={"phone": "0912 345 678", "village": "Bản Nậm Cuổi"},
        headers=api.auth() | {"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = (await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())).json()
    assert (body["phone"], body["village"], body["version"]) == ("0912345678", "Bản Nậm Cuổi", 2)


async def test_the_history_lists_the_events_in_order(api: Api) -> None:
    worker_id = await api.register()
    await api.run(worker_id, ("sign-contract", SIGN_CONTRACT), ("record-departure", DEPART))
    response = await api.client.get(f"/v1/workers/{worker_id}/history", headers=api.auth())
    assert response.status_code == 200
    events = response.json()["events"]
    assert [(e["type"], e["version"]) for e in events] == [
        ("lmis.registry.worker.registered.v1", 1),
        ("lmis.registry.worker.contract_signed.v1", 2),
        ("lmis.registry.worker.departed.v1", 3),
    ]
    assert events[2]["data"] == {"departure_date": "2021-08-28", "border_gate": "Nội Bài"}
    assert {e["actor"] for e in events} == {"officer-1"}
    assert all(e["recorded_at"].startswith("2026-11-23T03:00") for e in events)
    other = api.auth(role="commune_officer", scope="03640")
    assert (
        await api.client.get(f"/v1/workers/{worker_id}/history", headers=other)
    ).status_code == 404


async def test_every_command_route_is_documented_with_a_summary_and_an_example(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    commands = [
        "enrol-training",
        "record-training-result",
        "sign-contract",
        "record-departure",
        "extend-contract",
        "record-return",
        "report-absconded",
        "report-overstaying",
        "withdraw",
    ]
    operations = [spec["paths"][f"/v1/workers/{{worker_id}}/{c}"]["post"] for c in commands]
    operations.append(spec["paths"]["/v1/workers/{worker_id}"]["patch"])
    for operation in operations:
        assert operation["summary"]
        assert {"409", "412"} <= operation["responses"].keys()
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["examples"]


async def test_the_registry_serves_loans_for_its_worker_files(api: Api) -> None:
    created = await api.client.post("/v1/workers", json=worker(), headers=api.auth())
    applied = await api.client.post(
        "/v1/loans",
        json={
            "worker_id": created.json()["id"],
            "purpose": "going_abroad",
            "amount_vnd": 100_000_000,
        },
        headers=api.auth(role="bank", scope="12"),
    )
    assert applied.status_code == 201, applied.text
    loan = await api.client.get(
        f"/v1/loans/{applied.json()['id']}", headers=api.auth(role="bank", scope="12")
    )
    assert loan.json()["status"] == "applied"
