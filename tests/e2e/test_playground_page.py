"""README's first command, as a person uses it: waymark on its local playground, driven in
headless Chromium. The bot cannot tell the playground from Slack: same Bolt app, same signed
requests, same Web API calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from bot.server import Running
from bot.wiring import start_playground
from config.settings import Settings
from tests.browser import chromium
from tests.slack.harness import PATIENT_DATABASE

pytestmark = pytest.mark.browser

# A job (the digest draws charts) on a machine shared with other work takes a while.
JOB_MS = 30_000

# Monday 23 November 2026, 10:30 in London: a working morning, so reminders are due.
MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
ADMIN = "U0ADMIN0001"
HEALTH_LEAD = "U0HWBLEAD01"  # leads the Health and Wellbeing Board (outcome 7 is overdue)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for launched in chromium():
        yield launched


@pytest.fixture
async def waymark(tmp_path: Path) -> AsyncIterator[tuple[Running, str]]:
    running = await start_playground(
        Settings.model_validate({"WAYMARK_DATABASE_TIMEOUT": PATIENT_DATABASE}),
        host="127.0.0.1",
        port=0,
        database_url=f"sqlite:///{tmp_path / 'playground.db'}",
        clock=lambda: MONDAY_MORNING,
        tick=False,
    )
    try:
        yield running, f"http://127.0.0.1:{running.port}"
    finally:
        await running.stop()


async def open_as(browser: Browser, url: str, user: str, channel: str) -> Page:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(f"{url}/?as={user}")
    await page.get_by_test_id(f"channel-link-{channel}").click()
    await expect(page.get_by_test_id("connection-status")).not_to_have_text("Reconnecting…")
    return page


async def test_a_card_a_reminder_a_thread_reply_the_form_and_the_digest(
    waymark: tuple[Running, str], browser: Browser
) -> None:
    _, url = waymark
    admin = await open_as(browser, url, ADMIN, "general")

    # /outcome 12: the status card, only for the person who asked.
    await admin.get_by_test_id("message-input").fill("/outcome 12")
    await admin.get_by_test_id("message-input").press("Enter")
    card = admin.locator('[data-testid="message"][data-ephemeral="true"]').last
    await expect(card).to_contain_text("12. Luton children are protected from preventable disease")
    await expect(card).to_contain_text("Off track")
    await expect(card.get_by_test_id("ephemeral-label")).to_have_text("Only visible to you")

    # Run reminders: each overdue group is reminded in its channel.
    await admin.get_by_test_id("run-reminders").click()
    await expect(admin.get_by_test_id("run-result")).to_have_attribute(
        "data-outcome", "ok", timeout=JOB_MS
    )
    await expect(admin.get_by_test_id("run-result")).to_contain_text("reminder")

    # The Health and Wellbeing Board's lead replies 23.4 in the reminder's thread.
    lead = await open_as(browser, url, HEALTH_LEAD, "health-wellbeing")
    reminder = lead.locator('[data-testid="message"]', has_text="Overdue readings").first
    await expect(reminder).to_contain_text("Outcome 7")
    await reminder.hover()
    await reminder.get_by_test_id("reply-in-thread").click()
    pane = lead.get_by_test_id("thread-pane")
    await pane.get_by_test_id("thread-reply-input").fill("23.4")
    await pane.get_by_test_id("thread-send-button").click()
    mine = pane.locator(f'[data-testid="message"][data-user="{HEALTH_LEAD}"]')
    tick = mine.locator('[data-testid="reaction"][data-name="white_check_mark"]')
    await expect(tick).to_be_visible()
    confirmation = pane.locator('[data-testid="message"]', has_text="Recorded outcome 7")
    await expect(confirmation).to_contain_text("2025/26: 23.4%")
    await expect(confirmation).to_contain_text("Status now:")

    # "Submit reading" on the card: an invalid value is refused inline, then a valid one.
    await lead.get_by_test_id("message-input").fill("/outcome 7")
    await lead.get_by_test_id("message-input").press("Enter")
    card = lead.locator('[data-testid="message"][data-ephemeral="true"]').last
    await card.get_by_role("button", name="Submit reading").click()
    modal = lead.get_by_test_id("modal")
    await expect(modal.get_by_test_id("modal-title")).to_have_text("Outcome 7 reading")
    await modal.get_by_test_id("modal-input-value").fill("about nine")
    await modal.get_by_test_id("modal-submit").click()
    await expect(modal.get_by_test_id("modal-error-value")).to_contain_text("is not a number")
    await modal.get_by_test_id("modal-input-value").fill("8.4")
    await modal.get_by_test_id("modal-input-period").fill("2025/26")
    await modal.get_by_test_id("modal-submit").click()
    await expect(lead.get_by_test_id("modal-backdrop")).to_be_hidden()
    await expect(
        lead.locator('[data-testid="message"]', has_text="correcting 23.4%")
    ).to_be_visible()

    # Run the digest: it appears in the digest channel with its chart.
    await admin.get_by_test_id("run-digest").click()
    await expect(admin.get_by_test_id("run-result")).to_have_attribute(
        "data-outcome", "ok", timeout=JOB_MS
    )
    await admin.get_by_test_id("channel-link-roadmap-digest").click()
    digest = admin.locator('[data-testid="message"]', has_text="Road map digest").first
    await expect(digest).to_be_visible()
    await expect(digest).to_contain_text("On track")
    chart = digest.get_by_test_id("block-image")
    await expect(chart).to_be_visible()
    # The picture really loaded: the browser decoded the PNG waymark drew.
    assert await chart.evaluate("img => img.naturalWidth") > 100
