"""The published report as a person in the programme channel sees it, in headless Chromium on
the playground: the announcement with its chart, then the PDF as a file to click, which
downloads the very bytes published."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from bot.pdf import weasyprint_pdf
from bot.server import Running
from bot.wiring import start_playground
from commands.delivery.outbox import drain
from commands.reports.publishing import publish_report
from config.settings import Settings
from tests.browser import chromium
from tests.e2e.test_playground_page import ADMIN, JOB_MS, MONDAY_MORNING, open_as
from tests.slack.harness import PATIENT_DATABASE

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for launched in chromium():
        yield launched


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    started = await start_playground(
        Settings.model_validate({"WAYMARK_DATABASE_TIMEOUT": PATIENT_DATABASE}),
        host="127.0.0.1",
        port=0,
        database_url=f"sqlite:///{tmp_path / 'playground.db'}",
        clock=lambda: MONDAY_MORNING,
        tick=False,
    )
    try:
        yield started
    finally:
        await started.stop()


async def test_the_published_pdf_is_a_file_to_download_in_the_programme_channel(
    running: Running, browser: Browser, tmp_path: Path
) -> None:
    make_pdf = weasyprint_pdf()
    if make_pdf is None:
        pytest.skip("the reports extra (WeasyPrint and Pango) is not installed")
    assert running.jobs is not None
    assert running.jobs.programme is not None
    async with running.db.transaction() as session:
        published = await publish_report(
            session, as_of=date(2026, 9, 30), by=ADMIN, now=MONDAY_MORNING,
            tz=running.jobs.timetable.tz, make_pdf=make_pdf, admins={ADMIN},
            area="net-zero", announce_to=running.jobs.programme,
        )  # fmt: skip
    await drain(running.db, running.jobs.messengers, MONDAY_MORNING)

    page = await open_as(browser, f"http://127.0.0.1:{running.port}", ADMIN, "roadmap-programme")
    file = page.get_by_test_id("message-file")
    await expect(file).to_have_text(
        "Road map progress report: Net zero, 30 September 2026", timeout=JOB_MS
    )
    shared = page.locator('[data-testid="message"]', has=file)
    await expect(shared).to_contain_text("The PDF, as published: to open")
    announcement = page.locator('[data-testid="message"]', has_text="published the progress")
    await expect(announcement).to_contain_text("1 outcome needs more work")
    await expect(announcement).to_contain_text(
        "waymark report publish --as-of 2026-09-30 --area net-zero"
    )
    await expect(announcement.get_by_test_id("block-image")).to_be_visible()
    await shared.scroll_into_view_if_needed()
    await page.screenshot(path=tmp_path / "programme-channel.png")

    async with page.expect_download() as downloading:
        await file.click()
    download = await downloading.value
    assert download.suggested_filename == "progress-report-2026-09-30-net-zero.pdf"
    saved = Path(await download.path())
    assert await asyncio.to_thread(saved.read_bytes) == published.made.pdf
