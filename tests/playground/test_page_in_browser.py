"""The page in headless Chromium, with a real Bolt app behind the playground.

Skipped where no Chromium can be started (Playwright's own, or the system's ``chromium``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, expect
from slack_bolt.async_app import AsyncAck, AsyncRespond, AsyncSay
from slack_sdk.web.async_client import AsyncWebClient

from tests.browser import chromium
from tests.playground.conftest import AMIRA, GENERAL, TOM, Wired
from tests.playground.samples import ACTIONS, FORM

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for launched in chromium():
        yield launched


async def open_as(browser: Browser, wired: Wired, user_id: str, problems: list[str]) -> Page:
    page = await browser.new_page()

    def note_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    def note_request(url: str) -> None:
        if not url.startswith(wired.url):
            problems.append(f"fetched from outside the playground: {url}")

    page.on("console", note_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: note_request(request.url))
    await page.goto(f"{wired.url}/?as={user_id}&channel={GENERAL.id}")
    await expect(page.get_by_test_id("channel-link-general")).to_have_attribute(
        "aria-current", "page"
    )
    return page


def wire_the_bot(wired: Wired) -> None:
    bolt = wired.bolt

    @bolt.command("/outcome")
    async def on_outcome(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"Outcome {command['text']} needs a reading", blocks=ACTIONS)

    @bolt.action("record_reading")
    async def on_click(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @bolt.view("record_reading")
    async def on_submit(ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient) -> None:
        value = view["state"]["values"]["value"]["value_input"]["value"]
        if not re.fullmatch(r"\d+(\.\d+)?", value):
            await ack(response_action="errors", errors={"value": "Type a number, such as 57.9"})
            return
        await ack()
        await client.chat_postMessage(
            channel=GENERAL.id,
            text=f"Recorded {value}",
            blocks=[
                {"type": "header", "text": {"type": "plain_text", "text": "Reading recorded"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{value}* for _2025-26_"}},
            ],
        )

    @bolt.message("")
    async def on_message(message: dict[str, Any], say: AsyncSay) -> None:
        if message.get("thread_ts"):
            await say(text=f"Thanks, noted {message['text']}", thread_ts=message["thread_ts"])


async def test_a_person_runs_a_command_fills_in_the_form_and_replies_in_a_thread(
    wired: Wired, browser: Browser
) -> None:
    wire_the_bot(wired)
    problems: list[str] = []
    tom = await open_as(browser, wired, TOM.id, problems)
    amira = await open_as(browser, wired, AMIRA.id, problems)
    await expect(tom.get_by_test_id("user-switcher")).to_have_value(TOM.id)

    await tom.get_by_test_id("message-input").fill("/outcome 12")
    await tom.get_by_test_id("message-input").press("Enter")
    ephemeral = tom.locator('[data-testid="message"][data-ephemeral="true"]')
    await expect(ephemeral.get_by_test_id("ephemeral-label")).to_have_text("Only visible to you")
    await expect(amira.get_by_test_id("message")).to_have_count(0)

    await ephemeral.get_by_role("button", name="Record a reading").click()
    modal = tom.get_by_test_id("modal")
    await expect(modal.get_by_test_id("modal-title")).to_have_text("Record a reading")
    await modal.get_by_test_id("modal-input-value").fill("lots")
    await modal.get_by_test_id("modal-input-period").select_option("2025-26")
    await modal.get_by_test_id("modal-submit").click()
    await expect(modal.get_by_test_id("modal-error-value")).to_have_text(
        "Type a number, such as 57.9"
    )
    await expect(modal.get_by_test_id("modal-input-period")).to_have_value("2025-26")

    await modal.get_by_test_id("modal-input-value").fill("57.9")
    await modal.get_by_test_id("modal-submit").click()
    await expect(tom.get_by_test_id("modal-backdrop")).to_be_hidden()
    recorded = amira.locator('[data-testid="message"]', has_text="Reading recorded")
    await expect(recorded.locator("strong")).to_have_text("57.9")

    await tom.get_by_test_id("message-input").fill("Hello everyone")
    await tom.get_by_test_id("send-button").click()
    hello = amira.locator('[data-testid="message"]', has_text="Hello everyone")
    await expect(hello.get_by_test_id("message-author")).to_have_text("Tom Reed")

    # The text changes as it is edited, so the message is found again by its ts.
    by_ts = f'[data-testid="message"][data-ts="{await hello.get_attribute("data-ts")}"]'
    mine = tom.locator(by_ts)
    hello = amira.locator(by_ts)
    await mine.hover()
    await mine.get_by_test_id("edit-message").click()
    await mine.get_by_test_id("edit-input").fill("Hello, everyone")
    await mine.get_by_test_id("edit-save").click()
    await expect(hello.get_by_test_id("edited-label")).to_be_visible()
    await expect(hello.get_by_test_id("message-content")).to_have_text("Hello, everyone")

    await recorded.hover()
    await recorded.get_by_test_id("reply-in-thread").click()
    pane = amira.get_by_test_id("thread-pane")
    await expect(pane).to_be_visible()
    await pane.get_by_test_id("thread-reply-input").fill("Checked against the source")
    await pane.get_by_test_id("thread-send-button").click()
    await expect(pane.get_by_test_id("message")).to_have_count(3)
    await expect(pane.get_by_test_id("message").last).to_contain_text(
        "Thanks, noted Checked against the source"
    )
    await expect(recorded.get_by_test_id("thread-link")).to_have_text("2 replies")

    tom.once("dialog", lambda dialog: dialog.accept())
    await mine.hover()
    await mine.get_by_test_id("delete-message").click()
    await expect(amira.locator('[data-testid="message"]', has_text="Hello")).to_have_count(0)

    await expect(tom.get_by_test_id("run-reminders")).to_be_disabled()
    assert problems == []
