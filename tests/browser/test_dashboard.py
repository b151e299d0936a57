"""The dashboard as officials use it, in a real Chromium: signed in through the embedded
sign-in link, the figures equal the indicator API's for the same unit and year, a drill-down
from the province to a commune, a figure's link to the list behind it and its export, a report
download, and a figure that moves, without a reload, after a command posted over HTTP.
No screenshot is compared: the tests read the page's text and its figures' values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.async_api import expect

from tests.browser.conftest import KHOEN_ON, MUONG_KIM, departure
from tests.browser.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.browser]

YEAR = "2026"


async def sign_in(page: Any, platform: Platform, role: str, scope: str) -> None:
    await page.goto(platform.signin_link(role, scope))
    await expect(page.locator("h1")).to_contain_text("Tổng quan")


async def figure(page: Any, figure_id: str) -> float | None:
    node = page.locator(f'[data-figure="{figure_id}"]').first
    raw = await node.get_attribute("data-value")
    return None if raw in (None, "") else float(raw)


async def api_value(platform: Platform, unit: str, code: str, **params: str) -> Any:
    async with platform.client("reporting") as reporting:
        answer = await reporting.get(
            f"/v1/indicators/{code}", params={"unit": unit, "period": YEAR, **params}
        )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_commune_officer_sees_the_communes_figures_as_the_api_gives_them(
    page: Any, platform: Platform
) -> None:
    await sign_in(page, platform, "commune_officer", MUONG_KIM)

    await expect(page.locator("h1")).to_contain_text("Mường Kim")
    departures = await api_value(platform, MUONG_KIM, "departed", by="destination_country")
    assert departures["breakdown"] == {"JP": 1, "KR": 1}
    assert await figure(page, "departed.dest.KR") == departures["breakdown"]["KR"]
    assert await figure(page, "departed.dest.JP") == departures["breakdown"]["JP"]
    for month in ("02", "03", "06"):
        found = await api_value(platform, MUONG_KIM, "departed", period=f"{YEAR}-{month}")
        assert await figure(page, f"departed.month.{YEAR}-{month}") == found["value"]
    assert await figure(page, f"departed.month.{YEAR}-02") == 1
    abroad = await api_value(platform, MUONG_KIM, "overstay_rate")
    assert await figure(page, "overstay_rate") == abroad["value"]
    working = await api_value(platform, MUONG_KIM, "foreign_workers_working")
    assert await figure(page, "foreign_workers_working") == working["value"]


async def test_a_commune_officer_cannot_open_the_province(page: Any, platform: Platform) -> None:
    await sign_in(page, platform, "commune_officer", MUONG_KIM)

    answer = await page.goto(f"{platform.urls['reporting']}/?unit=12")

    assert answer.status == 403
    await expect(page.locator("h1")).to_contain_text("Không có quyền xem")


async def test_a_province_officer_drills_down_from_the_province_to_a_commune(
    page: Any, platform: Platform
) -> None:
    await sign_in(page, platform, "province_officer", "12")
    await expect(page.locator("h1")).to_contain_text("Lai Châu")
    by_unit = (await api_value(platform, "12", "departed", by="unit"))["breakdown"]
    assert await figure(page, f"child.{KHOEN_ON}.departed") == by_unit[KHOEN_ON]
    assert await figure(page, f"child.{MUONG_KIM}.departed") == by_unit[MUONG_KIM] == 2
    # the communes ranked by departures: Mường Kim's two first
    await expect(page.locator("#children tbody tr").first).to_contain_text("Mường Kim")

    await page.locator("#children").get_by_role("link", name="Xã Mường Kim").click()

    await expect(page.locator("h1")).to_contain_text("Mường Kim")
    await expect(page.locator(".crumbs")).to_contain_text("Lai Châu")
    assert await figure(page, "departed.dest.KR") == 1


async def test_a_figure_leads_to_the_list_behind_it_which_exports_to_xlsx(
    page: Any, platform: Platform, tmp_path: Path
) -> None:
    await sign_in(page, platform, "province_officer", "12")

    await page.locator('a:has([data-figure="departed.dest.KR"])').click()

    await expect(page.locator("#list tbody tr")).to_have_count(2)  # both who left for Korea
    async with page.expect_download() as download:
        await page.locator("#export").click()
    await (await download.value).save_as(tmp_path / "list.xlsx")
    sheet = load_workbook(tmp_path / "list.xlsx").active
    assert sheet is not None
    assert sheet.max_row == 3  # a heading and the two rows
    assert "id" in [cell.value for cell in sheet[1]]


async def test_every_kind_of_list_behind_a_figure_opens(page: Any, platform: Platform) -> None:
    await sign_in(page, platform, "province_officer", "12")
    figures = ["loans_overdue", "foreign_workers_valid_permit", f"departed.month.{YEAR}-03"]
    hrefs = [
        await page.locator(f'a:has([data-figure="{f}"])').get_attribute("href") for f in figures
    ]
    hrefs.append(await page.locator("#h-alerts a").get_attribute("href"))

    for href in hrefs:
        answer = await page.goto(f"{platform.urls['reporting']}{href}")
        assert answer.status == 200, href
        await expect(page.locator("h1")).to_have_text("Danh sách")


async def test_the_report_buttons_download_the_report_documents(
    page: Any, platform: Platform, tmp_path: Path
) -> None:
    await sign_in(page, platform, "province_officer", "12")
    reports = page.locator(".reports")

    async with page.expect_download() as xlsx:
        await reports.get_by_role("link", name="Tải về XLSX").first.click()
    async with page.expect_download() as pdf:
        await reports.get_by_role("link", name="Tải về PDF").first.click()

    await (await xlsx.value).save_as(tmp_path / "report.xlsx")
    await (await pdf.value).save_as(tmp_path / "report.pdf")
    assert load_workbook(tmp_path / "report.xlsx").sheetnames
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


async def test_the_filing_status_is_the_apis_and_opens_as_a_table(
    page: Any, platform: Platform
) -> None:
    await sign_in(page, platform, "province_officer", "12")
    async with platform.client("reporting") as reporting:
        answer = await reporting.get(
            "/v1/reports/monthly/status", params={"unit": "12", "period": f"{YEAR}-05"}
        )
    assert answer.status_code == 200, answer.text
    counts = answer.json()["counts"]
    for state, count in counts.items():
        assert await figure(page, f"filing.monthly.{state}") == count

    await page.locator(".reports").get_by_role("link", name="Tình hình nộp báo cáo").first.click()

    await expect(page.locator("#list tbody tr")).to_have_count(sum(counts.values()))


async def test_a_figure_moves_after_a_command_without_a_reload(
    page: Any, platform: Platform
) -> None:
    await sign_in(page, platform, "province_officer", "12")
    june = page.locator(f'[data-figure="departed.month.{YEAR}-06"]')
    target = page.locator('[data-figure="target.departed.target"]')
    await expect(june).to_have_attribute("data-value", "0")
    await page.evaluate("window.samePage = true")

    async with platform.client("registry") as registry:
        moved = await registry.post(
            f"/v1/workers/{platform.workers[3]}/record-departure", json=departure("2026-06-10")
        )
        assert moved.status_code == 200, moved.text
    await platform.project()
    async with platform.client("reporting") as reporting:
        body = {"value": 800, "source": "Kế hoạch điều chỉnh"}
        answer = await reporting.put(f"/v1/targets/departed/12/{YEAR}", json=body)
        assert answer.status_code == 200, answer.text

    await expect(june).to_have_attribute("data-value", "1", timeout=15_000)
    await expect(june).to_have_text("1")
    await expect(target).to_have_attribute("data-value", re.compile(r"^800(\.0)?$"), timeout=15_000)
    await expect(target).to_have_text("800")
    assert await page.evaluate("window.samePage") is True  # no reload happened


async def test_english_is_one_click_away(page: Any, platform: Platform) -> None:
    await sign_in(page, platform, "commune_officer", KHOEN_ON)

    await page.get_by_role("link", name="English").click()

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_contain_text("Overview of")
    await expect(page.get_by_role("link", name="Tiếng Việt")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
async def test_the_page_fits_the_screen_and_works_with_the_keyboard(
    browser: Any, platform: Platform, width: int, height: int
) -> None:
    context = await browser.new_context(viewport={"width": width, "height": height})
    try:
        page = await context.new_page()
        await sign_in(page, platform, "province_officer", "12")
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, "the page scrolls sideways"

        await page.keyboard.press("Tab")
        await expect(page.locator(".skip")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("main")).to_be_focused()
        await page.keyboard.press("Tab")
        # the next stop is a link of the content, reached by the keyboard alone
        assert await page.evaluate("document.activeElement.closest('main') !== null")

        tables = page.locator("table")
        assert await tables.count() >= 6
        for n in range(await tables.count()):
            assert await tables.nth(n).locator("caption").count() == 1
    finally:
        await context.close()
