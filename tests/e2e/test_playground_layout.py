"""The playground on a laptop and on a desktop screen, in headless Chromium: your own answer comes
into view, nothing runs off the side, status marks need no emoji font, every message offers
"Reply in thread", and a form given up on does not come back."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from bot.server import Running
from bot.wiring import start_playground
from config.settings import Settings
from tests.browser import chromium
from tests.slack.harness import PATIENT_DATABASE

pytestmark = pytest.mark.browser

# Monday 23 November 2026, 10:30 in London: a working morning, so reminders are due.
MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
ADMIN = "U0ADMIN0001"
HEALTH_LEAD = "U0HWBLEAD01"  # leads the Health and Wellbeing Board (outcome 7 is overdue)
# Jobs run on a machine shared with other work: give them time, as a person would.
SLOW_MS = 30_000
SCREENS = [pytest.param((1366, 768), id="1366x768"), pytest.param((1920, 1080), id="1920x1080")]
# Emoji a machine without an emoji font draws as empty boxes.
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for launched in chromium():
        yield launched


@pytest.fixture
async def waymark(tmp_path: Path) -> AsyncIterator[str]:
    running: Running = await start_playground(
        Settings.model_validate({"WAYMARK_DATABASE_TIMEOUT": PATIENT_DATABASE}),
        host="127.0.0.1",
        port=0,
        database_url=f"sqlite:///{tmp_path / 'playground.db'}",
        clock=lambda: MONDAY_MORNING,
        tick=False,
    )
    try:
        yield f"http://127.0.0.1:{running.port}"
    finally:
        await running.stop()


async def open_as(
    browser: Browser, url: str, user: str, channel: str, screen: tuple[int, int]
) -> Page:
    width, height = screen
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(f"{url}/?as={user}")
    await page.get_by_test_id(f"channel-link-{channel}").click()
    await expect(page.get_by_test_id("channel-link-" + channel)).to_have_attribute(
        "aria-current", "page"
    )
    return page


async def type_in_channel(page: Page, line: str) -> None:
    await page.get_by_test_id("message-input").fill(line)
    await page.get_by_test_id("message-input").press("Enter")


async def assert_nothing_overflows(page: Page) -> None:
    widths = await page.evaluate(
        """() => ({
            page: document.scrollingElement.scrollWidth,
            window: window.innerWidth,
            bar: document.querySelector('.topbar').scrollWidth,
            barBox: document.querySelector('.topbar').clientWidth,
        })"""
    )
    assert widths["page"] <= widths["window"], widths
    assert widths["bar"] <= widths["barBox"], widths


async def assert_top_in_view(page: Page, message: Locator) -> None:
    """The message's first lines are on screen, inside its list's visible part."""
    # Measured in one go in the page: the list is redrawn as messages arrive, so the node found
    # may have been replaced by the time it is measured (then it is found again).
    for _ in range(20):
        await expect(message).to_be_in_viewport(timeout=SLOW_MS)
        measured = await message.evaluate(
            """node => {
                const list = node.closest('ol');
                if (!list) return null;
                const box = node.getBoundingClientRect(), edges = list.getBoundingClientRect();
                return [box.top, edges.top, edges.bottom];
            }"""
        )
        if measured is not None:
            break
    else:
        pytest.fail("the message was redrawn every time it was measured")
    top, list_top, list_bottom = measured
    assert list_top <= top + 4 < list_bottom, (top, list_top, list_bottom)


@pytest.mark.parametrize("screen", SCREENS)
async def test_your_answer_comes_into_view_and_nothing_overflows(
    waymark: str, browser: Browser, screen: tuple[int, int]
) -> None:
    admin = await open_as(browser, waymark, ADMIN, "roadmap-programme", screen)
    await assert_nothing_overflows(admin)
    # A long result (a line per group) is read in full, and the page still fits.
    await admin.get_by_test_id("run-reminders").click()
    result = admin.get_by_test_id("run-result")
    await expect(result).to_have_attribute("data-outcome", "ok", timeout=SLOW_MS)
    await expect(result).to_contain_text("to #health-wellbeing", timeout=SLOW_MS)
    await expect(result).not_to_contain_text("C0")
    await assert_nothing_overflows(admin)
    await admin.get_by_test_id("run-digest").click()
    # The digest draws its charts first, which takes a while on a busy machine.
    await expect(result).to_contain_text("#roadmap-digest", timeout=SLOW_MS)
    await assert_nothing_overflows(admin)

    # The programme channel is now longer than the window: each answer is brought into view.
    escalations = admin.get_by_test_id("message-list").locator(
        '[data-testid="message"]:not([data-ephemeral])'
    )
    await expect(escalations).to_have_count(5)
    for line, title in [("/outcome 5", "5. Fewer Luton adults smoke"), ("/outcome 12", "12. ")]:
        # Reading earlier messages, the person types a command: the answer still shows.
        await admin.get_by_test_id("message-list").evaluate("list => { list.scrollTop = 0; }")
        await type_in_channel(admin, line)
        answer = admin.locator('[data-testid="message"][data-ephemeral="true"]', has_text=title)
        await assert_top_in_view(admin, answer.last)
        await assert_nothing_overflows(admin)

    # With a thread open, the answer to a command still comes into view, and the channel
    # stays where it was rather than jumping to its top.
    await escalations.last.get_by_test_id("reply-in-thread").click()
    await expect(admin.get_by_test_id("thread-pane")).to_be_visible()
    await type_in_channel(admin, "/outcome 7")
    answer = admin.locator('[data-testid="message"][data-ephemeral="true"]', has_text="7. ")
    await assert_top_in_view(admin, answer.last)
    assert await admin.get_by_test_id("message-list").evaluate("list => list.scrollTop") > 0
    await assert_nothing_overflows(admin)


@pytest.mark.parametrize("screen", SCREENS)
async def test_a_reply_in_a_thread_shows_in_the_thread_pane(
    waymark: str, browser: Browser, screen: tuple[int, int]
) -> None:
    admin = await open_as(browser, waymark, ADMIN, "general", screen)
    await admin.get_by_test_id("run-reminders").click()
    await expect(admin.get_by_test_id("run-result")).to_have_attribute(
        "data-outcome", "ok", timeout=SLOW_MS
    )
    lead = await open_as(browser, waymark, HEALTH_LEAD, "health-wellbeing", screen)
    reminder = lead.locator('[data-testid="message"]', has_text="Overdue readings").first
    # "Reply in thread" is there to be seen on every message, not only under the pointer.
    messages = lead.get_by_test_id("message-list").get_by_test_id("message")
    await expect(messages.first).to_be_visible()
    for index in range(await messages.count()):
        await expect(messages.nth(index).get_by_test_id("reply-in-thread")).to_be_visible()
    await reminder.get_by_test_id("reply-in-thread").click()
    pane = lead.get_by_test_id("thread-pane")
    await pane.get_by_test_id("thread-reply-input").fill("23.4")
    await pane.get_by_test_id("thread-send-button").click()
    confirmation = pane.locator('[data-testid="message"]', has_text="Recorded outcome 7")
    await expect(confirmation).to_be_in_viewport(timeout=SLOW_MS)
    await assert_nothing_overflows(lead)


async def test_status_marks_are_drawn_without_an_emoji_font(waymark: str, browser: Browser) -> None:
    admin = await open_as(browser, waymark, ADMIN, "general", (1366, 768))
    await type_in_channel(admin, "/outcome 12")
    card = admin.locator('[data-testid="message"][data-ephemeral="true"]').last
    await expect(card).to_contain_text("Off track", timeout=SLOW_MS)
    mark = card.locator('[data-mark="red"]').first
    await expect(mark).to_be_visible()
    box = await mark.bounding_box()
    assert box is not None
    assert box["width"] >= 8
    assert box["height"] >= 8
    colour = await mark.evaluate("node => getComputedStyle(node).backgroundColor")
    assert colour == "rgb(224, 30, 90)"
    assert not EMOJI.search(await admin.locator("body").inner_text())


async def test_a_form_given_up_with_an_error_does_not_come_back(
    waymark: str, browser: Browser
) -> None:
    lead = await open_as(browser, waymark, HEALTH_LEAD, "health-wellbeing", (1366, 768))
    await type_in_channel(lead, "/outcome 7")
    card = lead.locator('[data-testid="message"][data-ephemeral="true"]').last
    await card.get_by_role("button", name="Submit reading").click()
    modal = lead.get_by_test_id("modal")
    await modal.get_by_test_id("modal-input-value").fill("about nine")
    await modal.get_by_test_id("modal-submit").click()
    await expect(modal.get_by_test_id("modal-error-value")).to_contain_text(
        "is not a number", timeout=SLOW_MS
    )

    # Someone else takes the keyboard, then the lead comes back and reloads the page.
    await lead.get_by_test_id("user-switcher").select_option(ADMIN)
    await expect(lead.get_by_test_id("modal-backdrop")).to_be_hidden()
    await lead.goto(lead.url.replace(ADMIN, HEALTH_LEAD))
    await expect(lead.get_by_test_id("user-switcher")).to_have_value(HEALTH_LEAD)
    await expect(lead.get_by_test_id("channel-title")).to_have_text("#health-wellbeing")
    await expect(lead.get_by_test_id("modal-backdrop")).to_be_hidden()

    # Opened again, the form starts afresh.
    await card.get_by_role("button", name="Submit reading").click()
    await expect(modal.get_by_test_id("modal-title")).to_have_text("Outcome 7 reading")
    await expect(modal.get_by_test_id("modal-error-value")).to_have_count(0)
