"""Takes README's screenshots of the playground at 1366×768, a common laptop size, the way a
person gets there: `python -m tests.e2e.screenshots` (needs Debian's `chromium`).

It starts the playground on a temporary database at Monday 23 November 2026, 10:30, presses
"Run reminders now", replies in a reminder's thread as Helen Marsh and asks for outcome 7.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Page, ViewportSize, expect

from bot.wiring import start_playground
from config.settings import Settings
from tests.browser import chromium

ROOT = Path(__file__).resolve().parents[2]
MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
HELEN_MARSH = "U0HWBLEAD01"
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
# Jobs and answers on a busy machine take a while.
PATIENCE_MS = 60_000


async def reply_in_thread(page: Page) -> None:
    reminder = page.locator('[data-testid="message"]', has_text="Overdue readings").first
    await reminder.get_by_test_id("reply-in-thread").click()
    pane = page.get_by_test_id("thread-pane")
    await pane.get_by_test_id("thread-reply-input").fill("8.4 2025/26 provisional, APS")
    await pane.get_by_test_id("thread-send-button").click()
    confirmation = pane.locator('[data-testid="message"]', has_text="Recorded outcome 7")
    await expect(confirmation).to_be_visible(timeout=PATIENCE_MS)


async def take(folder: Path) -> None:
    running = await start_playground(
        Settings.model_validate({}),
        host="127.0.0.1",
        port=0,
        database_url=f"sqlite:///{folder / 'playground.db'}",
        clock=lambda: MONDAY_MORNING,
        tick=False,
    )
    url = f"http://127.0.0.1:{running.port}"
    try:
        async for browser in chromium():
            page = await browser.new_page(viewport=LAPTOP)
            await page.goto(f"{url}/?as={HELEN_MARSH}")
            await page.get_by_test_id("channel-link-health-wellbeing").click()
            await page.get_by_test_id("run-reminders").click()
            result = page.get_by_test_id("run-result")
            await expect(result).to_contain_text("#health-wellbeing", timeout=PATIENCE_MS)
            await page.screenshot(path=ROOT / "docs" / "playground-1366x768-reminders.png")
            await result.evaluate("output => { output.textContent = ''; }")
            await reply_in_thread(page)
            await page.get_by_test_id("message-input").fill("/outcome 7")
            await page.get_by_test_id("message-input").press("Enter")
            card = page.locator('[data-testid="message"][data-ephemeral="true"]').last
            await expect(card).to_be_in_viewport(timeout=PATIENCE_MS)
            await page.get_by_test_id("message-input").blur()
            await page.mouse.move(600, 700)  # away from the buttons, so none shows as hovered
            await page.screenshot(path=ROOT / "docs" / "playground-1366x768.png")
    finally:
        await running.stop()


def main() -> None:
    (ROOT / "docs").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(take(Path(folder)))


if __name__ == "__main__":
    main()
