"""waymark driven through Microsoft's own Teams emulator, the Microsoft 365 Agents Playground
(npm `@microsoft/m365agentsplayground`), as a real client: it sends waymark the activities its
chat window would, and its mocked Bot Connector takes waymark's replies, which it shows in its
page (through the same conversation API and stream this test uses).

Needs node and `npm install` in tests/teams/agents-playground; skipped with the reason when they
are missing, except in CI (CI=true), where it must run. The last test also draws the cards in
the Playground's page in headless Chromium; with WAYMARK_SCREENSHOTS=DIR it saves the pictures
there (README's are in docs/teams).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from bot.pdf import weasyprint_pdf
from bot.wiring import timetable_from
from commands.delivery.outbox import drain
from commands.reports.publishing import publish_report
from commands.roadmap_files.importing import import_roadmap
from config.settings import Settings
from config.targets import Target
from scheduler.jobs import JobContext, send_reminders, send_weekly_digest
from storage.db import Database
from tests.browser import chromium
from tests.factories import OUTCOMES, READINGS
from tests.scheduler.conftest import at
from tests.teams.connector import entries, find, words_of
from tests.teams.harness import TeamsHarness, teams_harness

FOLDER = Path(__file__).parent / "agents-playground"
BINARY = FOLDER / "node_modules" / ".bin" / "agentsplayground"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# The Playground's own people and team (its defaults): Alex Wilber is the person typing.
ALEX = "user-id-0"
ALEX_AAD = "00000000-0000-0000-0000-0000000000020"
TEAM = "team-id"  # the team, and its General channel
GROUPS = f"""slug,name,channel,leads,platform
children,Children's Trust Board,{TEAM},{ALEX_AAD},teams
economy,Inclusive Economy Board,C0ECONOMY01,U0ECONLEAD1,slack
"""


def _need_playground() -> None:
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not BINARY.exists():
        missing = f"the Agents Playground is not installed: run `npm install` in {FOLDER}"
    if missing and IN_CI:
        pytest.fail(f"CI must drive waymark through the Agents Playground, but {missing}")
    if missing:
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Playground:
    url: str
    stream: aiohttp.ClientWebSocketResponse
    session: aiohttp.ClientSession
    config: dict[str, Any]

    @property
    def personal_chat(self) -> str:
        return str(self.config["personalChat"]["id"])

    async def say(self, conversation: str, text: str) -> dict[str, Any]:
        """Type a message in the Playground's chat, as Alex."""
        body: dict[str, Any] = {"from": {"id": ALEX}, "text": text, "textFormat": "plain"}
        if conversation == TEAM:
            bot = self.config["bot"]
            body["text"] = f"<at>{bot['name']}</at> {text}"
            body["mentions"] = [{"mentioned": {"id": bot["id"]}, "text": f"<at>{bot['name']}</at>"}]
        async with self.session.post(
            f"{self.url}/_conversation/v1/conversations/{conversation}/messages", json=body
        ) as answer:
            assert answer.status == 200, await answer.text()
            result: dict[str, Any] = await answer.json()
            return result

    async def press(self, conversation: str, message_id: str, data: dict[str, Any]) -> Any:
        """Press an Action.Execute button on a card the Playground shows."""
        body = {
            "name": "adaptiveCard/action",
            "from": {"id": ALEX},
            "conversation": {"id": conversation},
            "replyToId": message_id,
            "value": {"action": {"type": "Action.Execute", "verb": data["action"], "data": data}},
        }
        async with self.session.post(f"{self.url}/_conversation/v1/invoke", json=body) as answer:
            assert answer.status == 200, await answer.text()
            return await answer.json()

    async def next_message(self) -> dict[str, Any]:
        """The next message waymark posted, as the Playground's page receives it."""
        while True:
            frame = await asyncio.wait_for(self.stream.receive(), timeout=30)
            assert frame.type == aiohttp.WSMsgType.TEXT, frame
            update = json.loads(frame.data)
            message = update.get("message") or {}
            if (
                update.get("action") == "createMessage"
                and message.get("from", {}).get("id") == self.config["bot"]["id"]
            ):
                return dict(update)


def words(card: dict[str, Any]) -> str:
    return "\n".join(words_of(card))


@asynccontextmanager
async def agents_playground(bot_url: str) -> AsyncIterator[Playground]:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        str(BINARY),
        "--app-endpoint", f"{bot_url}/api/messages",
        "--channel-id", "msteams",
        "--port", str(port),
        "--service-url", f"http://127.0.0.1:{port}/_connector",
        "--disable-telemetry",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=FOLDER,
        env={**os.environ, "BROWSER": "none"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        while True:  # it says when it listens; nothing is sent before that
            line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            assert line, "the Agents Playground stopped before it started listening"
            if b"Listening on" in line:
                break
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/_internal/v1/config") as answer:
                config = (await answer.json())["config"]
            stream = await session.ws_connect(f"{url}/_ws_conversation/v1/conversations/stream")
            try:
                yield Playground(url, stream, session, config)
            finally:
                await stream.close()
    finally:
        process.terminate()
        await process.wait()


@pytest.fixture
def now() -> datetime:
    return at("2026-03-02T10:00")


@pytest.fixture
async def teams(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[TeamsHarness]:
    _need_playground()
    directory = tmp_path / "roadmap"
    directory.mkdir()
    (directory / "groups.csv").write_text(GROUPS)
    (directory / "outcomes.csv").write_text(OUTCOMES)
    (directory / "readings.csv").write_text(READINGS.replace("U0CHILDLEAD", ALEX_AAD))
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
    async with teams_harness(db, now) as harness:
        yield harness


async def test_waymark_in_the_agents_playground(teams: TeamsHarness, now: datetime) -> None:
    async with agents_playground(teams.url) as playground:
        # A personal chat: `outcome 12`, answered with the status card.
        await playground.say(playground.personal_chat, "outcome 12")
        answer = await playground.next_message()
        card = answer["message"]["attachments"][0]["content"]
        facts = {f["title"]: f["value"] for f in find(card, "FactSet")[0]["facts"]}
        assert facts["Latest reading"] == "36% for 2024/25"
        assert "🟠 At risk" in words(card)

        # Help: each command on a line of its own, not one run-on paragraph.
        await playground.say(playground.personal_chat, "help")
        helped = (await playground.next_message())["message"]["attachments"][0]["content"]
        lines = [b["text"] for b in find(helped, "TextBlock")]
        assert "outcome N history — every reading against the path to 2040, with a chart" in lines
        assert "outcome list [AREA] — every outcome (or one priority area's) with its status" in (
            lines
        )

        # In the team's channel, @waymark: waymark now knows the channel and can post there.
        await playground.say(TEAM, "outcome list")
        listed = await playground.next_message()
        assert listed["actionConversationId"].startswith(f"{TEAM};messageid=")
        # One compact entry per outcome that fits a narrow column, not a six-column table.
        shown = listed["message"]["attachments"][0]["content"]
        assert not find(shown, "Table")
        assert [e[0] for e in entries(shown)][:2] == [
            "12. Fewer children grow up in poverty",
            "13. More children are vaccinated",
        ]

        # The digest's lists are a line each.
        digest = JobContext(
            db=teams.db,
            messengers={"teams": teams.running.messenger},
            timetable=timetable_from(Settings.model_validate({})),
            digest_targets=(Target("teams", TEAM),),
        )
        assert "Posted: digest" in await send_weekly_digest(digest, now)
        digest_card = (await playground.next_message())["message"]["attachments"][0]["content"]
        lines = [b["text"] for b in find(digest_card, "TextBlock")]
        overdue = lines[lines.index("Overdue readings by group") + 1 :]
        assert overdue[0].startswith("• Children's Trust Board: outcome 13 (2025-Q4")
        assert overdue[1].startswith("• Inclusive Economy Board: outcome 20 (2024")
        chart = (await playground.next_message())["message"]["attachments"][0]["content"]
        assert find(chart, "Image")  # the digest's chart follows it, in its thread

        # The Monday reminder reaches the channel, and Alex types the reading in its box.
        ctx = JobContext(
            db=teams.db,
            messengers={"teams": teams.running.messenger},
            timetable=timetable_from(Settings.model_validate({})),
        )
        report = await send_reminders(ctx, now)
        assert (
            f"Posted: reminder to Children's Trust Board: outcome 13 (2025-Q4), to {TEAM}."
            in report
        )
        reminder = await playground.next_message()
        shown = reminder["message"]
        assert "Overdue readings: Children's Trust Board" in words(
            shown["attachments"][0]["content"]
        )
        updated = await playground.press(
            f"{TEAM};messageid={shown['messageId']}",
            shown["messageId"],
            # At risk, so it comes with a line on what is being done about it.
            {
                "action": "waymark.submit_reading",
                "outcome": 13,
                "value-13": 88,
                "period-13": "",
                "note-13": "GP reminder texts from April",
            },
        )
        assert "✅ Recorded outcome 13 (MMR coverage), 2025-Q4: 88%." in words(updated["value"])
        await teams.settle()
        confirmation = await playground.next_message()
        assert confirmation["actionConversationId"] == f"{TEAM};messageid={shown['messageId']}"
        assert "Recorded outcome 13 (MMR coverage), 2025-Q4: 88%." in words(
            confirmation["message"]["attachments"][0]["content"]
        )


# A laptop window: with the Playground's chat list and log panel beside it, the chat column is
# about 700 pixels wide, as a Teams chat beside its channel list is.
WIDTH, HEIGHT = 1366, 900


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for launched in chromium():
        yield launched


async def opened(browser: Browser, playground: Playground) -> Page:
    page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    await page.goto(playground.url)
    await page.get_by_text("Personal Chat", exact=True).first.wait_for()
    return page


async def card_shown(page: Page, words: str) -> None:
    await page.locator(".ac-adaptiveCard", has_text=words).last.wait_for(timeout=30_000)
    await page.wait_for_timeout(500)  # let the card finish laying out


async def nothing_overflows(page: Page) -> None:
    """No card is wider than the chat column it is drawn in."""
    too_wide = await page.evaluate(
        """() => [...document.querySelectorAll('.ac-adaptiveCard')]
            .filter(card => card.scrollWidth > card.clientWidth + 1).length"""
    )
    assert too_wide == 0


def keep(page_shot: bytes, name: str, tmp_path: Path) -> None:
    (tmp_path / name).write_bytes(page_shot)
    folder = os.environ.get("WAYMARK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(page_shot)


async def test_cards_read_well_in_the_agents_playground(
    teams: TeamsHarness, browser: Browser, tmp_path: Path, now: datetime
) -> None:
    async with agents_playground(teams.url) as playground:
        page = await opened(browser, playground)

        await page.get_by_text("Personal Chat", exact=True).first.click()
        await playground.say(playground.personal_chat, "help")
        await card_shown(page, "this list")
        # Each command is a line of its own in the drawn card.
        lines = page.locator(".ac-adaptiveCard", has_text="this list").last.locator(".ac-textBlock")
        assert await lines.filter(has_text="outcome N history").count() == 1
        await nothing_overflows(page)
        keep(await page.screenshot(), "help.png", tmp_path)

        await playground.say(playground.personal_chat, "outcome list")
        await card_shown(page, "Fewer children grow up in poverty")
        await nothing_overflows(page)
        keep(await page.screenshot(), "outcome-list.png", tmp_path)

        ctx = JobContext(
            db=teams.db,
            messengers={"teams": teams.running.messenger},
            timetable=timetable_from(Settings.model_validate({})),
        )
        await page.get_by_text("General", exact=True).first.click()
        await send_reminders(ctx, now)
        await card_shown(page, "Overdue readings: Children's Trust Board")
        await nothing_overflows(page)
        keep(await page.screenshot(), "reminder.png", tmp_path)


async def test_a_published_report_reads_well_in_the_agents_playground(
    teams: TeamsHarness, browser: Browser, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    make_pdf = weasyprint_pdf()
    if make_pdf is None:
        pytest.skip("the reports extra (WeasyPrint and Pango) is not installed")
    async with agents_playground(teams.url) as playground:
        page = await opened(browser, playground)
        await page.get_by_text("General", exact=True).first.click()

        async with teams.db.transaction() as session:
            await publish_report(
                session, as_of=date(2026, 2, 28), by=ALEX_AAD, now=now, tz=tz,
                make_pdf=make_pdf, admins={ALEX_AAD}, announce_to=Target("teams", TEAM),
                public_url="https://waymark.luton.example",
            )  # fmt: skip
        await drain(teams.db, {"teams": teams.running.messenger}, now)
        await card_shown(page, "Open the report")
        # Which report, then the file, its size said once.
        drawn = page.locator(".ac-adaptiveCard", has_text="Open the report").last
        await expect(drawn).to_contain_text("Road map progress report, 28 February 2026")
        assert (await drawn.inner_text()).count("KB") == 1
        await nothing_overflows(page)
        keep(await page.screenshot(), "report-published.png", tmp_path)

        await page.get_by_text("Personal Chat", exact=True).first.click()
        await playground.say(playground.personal_chat, "outcome report")
        await card_shown(page, "A fresh draft as of")
        answer = page.locator(".ac-adaptiveCard", has_text="A fresh draft as of").last
        await expect(answer).to_contain_text("Of 3 outcomes: 0 on track, 2 at risk")
        await nothing_overflows(page)
        keep(await page.screenshot(), "outcome-report.png", tmp_path)
