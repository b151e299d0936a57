"""Browser tests: the dashboard in a real Chromium (Debian's `chromium`, driven by Playwright
for Python; Playwright's own browser download cannot reach the internet here).

`make test` installs chromium when it is missing. Where it is still missing, these tests FAIL
with the reason, never skip: a dashboard nobody opened in a browser is not tested.

The platform (`platform.py`) holds four worker files of Lai Châu made through the registry's
API: three departed this year (two from Mường Kim, to Korea and Japan; one from Khoen On, to
Korea) and one from Khoen On contracted for Korea, whose departure a test records.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.browser.platform import Platform, running_platform
from tests.integration.worker_api import SIGN_CONTRACT
from tests.unit.worker_examples import PERSON

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MUONG_KIM, KHOEN_ON = "03637", "03640"

PROGRAMME = {"KR": "korea_eps", "JP": "japan_technical_intern"}
CONTRACT = SIGN_CONTRACT | {
    "start_date": "2026-02-01",
    "signed_on": "2026-01-20",
}
DEPARTURES = [  # commune, destination, departure date (None: contracted, not departed yet)
    (MUONG_KIM, "KR", "2026-02-10"),
    (MUONG_KIM, "JP", "2026-03-05"),
    (KHOEN_ON, "KR", "2026-03-20"),
    (KHOEN_ON, "KR", None),
]


def departure(on: str) -> dict[str, str]:
    return {"departure_date": on, "border_gate": "Nội Bài"}


async def _register(platform: Platform) -> list[str]:
    ids = []
    async with platform.client("registry") as registry:
        for n, (commune, country, departed_on) in enumerate(DEPARTURES):
            body = PERSON | {
                "citizen_id": f"0121980013{n:02d}",
                "commune_code": commune,
                "registered_on": "2026-01-05",
            }
            created = await registry.post("/v1/workers", json=body)
            assert created.status_code == 201, created.text
            worker = created.json()["id"]
            steps: list[tuple[str, dict[str, Any]]] = [
                (
                    "sign-contract",
                    CONTRACT | {"destination_country": country, "programme": PROGRAMME[country]},
                )
            ]
            if departed_on:
                steps.append(("record-departure", departure(departed_on)))
            for name, step in steps:
                answer = await registry.post(f"/v1/workers/{worker}/{name}", json=step)
                assert answer.status_code == 200, answer.text
            ids.append(worker)
    return ids


@pytest.fixture(scope="module")
async def platform(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    async with running_platform(database_url, tmp_path_factory.mktemp("dashboard")) as running:
        running.workers = await _register(running)
        await running.project()
        yield running


def _chromium_missing() -> bool:
    return shutil.which("chromium") is None and not os.path.exists(CHROMIUM)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if _chromium_missing():
        pytest.fail(
            "Debian's chromium is not installed, so the dashboard cannot be tested in a "
            "browser: run `make test` as root (it installs it) or `apt-get install -y chromium`"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(
        viewport={"width": 1366, "height": 768}, accept_downloads=True
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()
