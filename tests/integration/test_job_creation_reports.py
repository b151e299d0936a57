"""Jobs created through programmes other than job-creation loans, end to end on the real
PostgreSQL: a commune reports its month's count per programme through the registry's API, a
second report corrects it (its event says by how much), and the reporting projection adds
the reports to `jobs_created` and `jobs_created_at_home` (broken down by programme) beside
the departures and loans it already counted."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from tests.integration.test_indicators_projection import decoded
from tests.integration.test_reporting_api import (  # noqa: F401  (the module's fixtures)
    client,
    clock,
    schema,
)
from tests.integration.worker_api import Api

pytestmark = pytest.mark.integration

REPORTS = "/v1/job-creation-reports"
MUONG_KIM = "03637"
FAIR = {"commune_code": MUONG_KIM, "period": "2026-03", "programme": "job_fair", "jobs": 12}


async def report(api: Api, body: dict[str, Any], *auth: str, **headers: str) -> httpx.Response:
    by = api.auth(*auth) if auth else api.auth("commune_officer", MUONG_KIM)
    return await api.client.post(REPORTS, json=body, headers=by | headers)


async def test_a_commune_reports_and_corrects_its_month_and_the_event_carries_the_change(
    api: Api,
) -> None:
    first = await report(api, FAIR)
    assert first.status_code == 201, first.text
    report_id = first.json()["id"]
    assert first.headers["Location"] == f"{REPORTS}/{report_id}"

    corrected = await report(api, FAIR | {"jobs": 9}, **{"If-Match": first.headers["ETag"]})
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["id"], corrected.json()["corrections"]) == (report_id, 1)
    again = await report(api, FAIR | {"jobs": 9})  # the same again records nothing
    assert again.json()["version"] == corrected.json()["version"]

    events = await api.store.read_stream(corrected.json()["id"])
    assert [(e.data["jobs"], e.data["jobs_change"]) for e in events] == [(12, 12), (9, -3)]
    assert {e.metadata.actor for e in events} == {"officer-1"}  # the token's subject
    got = await api.client.get(f"{REPORTS}/{report_id}", headers=api.auth())
    assert (got.status_code, got.json()["jobs"], got.json()["period"]) == (200, 9, "2026-03")


async def test_only_officers_of_the_commune_s_units_report_and_the_month_has_happened(
    api: Api,
) -> None:
    elsewhere = await report(api, FAIR, "commune_officer", "00070")
    bank = await report(api, FAIR, "bank", "12")
    assert (elsewhere.status_code, bank.status_code) == (403, 403)
    # once the month is reported, the same callers are told the same (it was a 404, which
    # said that the commune had reported)
    january = FAIR | {"period": "2026-01"}
    assert (await report(api, january)).status_code == 201
    again = await report(api, january, "commune_officer", "00070")
    assert again.status_code == 403, again.text
    assert (await report(api, january, "bank", "12")).status_code == 403
    year_zero = await report(api, FAIR | {"period": "0000-01"})  # was a 500
    assert year_zero.status_code == 422, year_zero.text
    assert year_zero.json()["errors"][0]["field"] == "body.period"
    # the registry's clock says 23 November 2026
    future = await report(api, FAIR | {"period": "2026-12"})
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "period"
    loans = await report(api, FAIR | {"programme": "job_creation_loan"})
    assert loans.status_code == 422  # counted from the loans themselves
    province = await report(api, FAIR | {"programme": "labour_supply"}, "province_officer", "12")
    assert province.status_code == 201


async def test_reports_and_corrections_count_in_jobs_created_by_programme(
    api: Api,
    pg_pool: asyncpg.Pool,
    schema: str,  # noqa: F811
    client: httpx.AsyncClient,  # noqa: F811
) -> None:
    fair = (await report(api, FAIR)).json()["id"]
    await report(api, FAIR | {"jobs": 9})
    await report(api, FAIR | {"programme": "vocational_training", "jobs": 4})
    recorded = await api.store.read_all(None, 100)
    assert fair in {str(e.metadata.stream_id) for e in recorded}
    await IndicatorProjection(pg_pool, schema).process(decoded(recorded))

    async def value(code: str, **more: str) -> Any:
        params = {"period": "2026-03", "unit": MUONG_KIM, **more}
        answer = await client.get(f"/v1/indicators/{code}", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert (await value("jobs_created"))["value"] == 13
    by_programme = await value("jobs_created_at_home", by="programme")
    assert by_programme["value"] == 13
    assert by_programme["breakdown"] == {"job_fair": 9, "vocational_training": 4}
