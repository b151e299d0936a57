"""`POST /v1/workers/{id}/record-return-skills` over the real PostgreSQL: on a returned file,
shown in the file, replaced by a later record; refused with the field named otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.worker_api import DEPART, RETURN, SIGN_CONTRACT, Api

pytestmark = pytest.mark.integration

SKILLS = {
    "consent_to_contact": True,
    "occupation_code": "7212",
    "sector": "manufacturing",
    "years_of_experience": 3,
    "certificates": ["Chứng chỉ hàn TIG cấp 2"],
    "language": "ko",
    "language_level": "TOPIK 3",
    "intention": "work_locally",
    "recorded_on": "2024-09-10",
}


async def returned(api: Api) -> str:
    worker_id = await api.register()
    back = (
        ("sign-contract", SIGN_CONTRACT),
        ("record-departure", DEPART),
        ("record-return", RETURN),
    )
    await api.run(worker_id, *back)
    return worker_id


async def file_of(api: Api, worker_id: str) -> dict[str, Any]:
    answer = await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_a_returned_worker_s_skills_show_in_the_file_and_a_later_record_replaces_them(
    api: Api,
) -> None:
    worker_id = await returned(api)
    assert (await file_of(api, worker_id))["allowed_commands"] == ["record-return-skills"]

    await api.run(worker_id, ("record-return-skills", SKILLS))
    await api.run(worker_id, ("record-return-skills", SKILLS | {"consent_to_contact": False}))

    skills = (await file_of(api, worker_id))["return_skills"]
    assert (skills["occupation_code"], skills["consent_to_contact"]) == ("7212", False)
    assert skills["certificates"] == ["Chứng chỉ hàn TIG cấp 2"]


async def test_skills_before_the_return_or_of_a_worker_abroad_are_refused(api: Api) -> None:
    worker_id = await returned(api)
    early = await api.command(
        worker_id, "record-return-skills", SKILLS | {"recorded_on": "2024-09-01"}
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "recorded_on"
    assert "2024-09-01" not in early.text

    abroad = await api.register(citizen_id="012198009999")
    await api.run(abroad, ("sign-contract", SIGN_CONTRACT), ("record-departure", DEPART))
    refused = await api.command(abroad, "record-return-skills", SKILLS)
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "departed"
