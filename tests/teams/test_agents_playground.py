"""waymark driven through Microsoft's own Teams emulator, the Microsoft 365 Agents Playground
(npm `@microsoft/m365agentsplayground`), as a real client: it sends waymark the activities its
chat window would, and its mocked Bot Connector takes waymark's replies, which it shows in its
page (through the same conversation API and stream this test uses).

Needs node and `npm install` in tests/teams/agents-playground; skipped with the reason when they
are missing, except in CI (CI=true), where it must run.
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
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.wiring import timetable_from
from commands.roadmap_files.importing import import_roadmap
from config.settings import Settings
from scheduler.jobs import JobContext, send_reminders
from storage.db import Database
from tests.factories import OUTCOMES, READINGS
from tests.scheduler.conftest import at
from tests.teams.connector import find, words_of
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

        # In the team's channel, @waymark: waymark now knows the channel and can post there.
        await playground.say(TEAM, "outcome list")
        listed = await playground.next_message()
        assert listed["actionConversationId"].startswith(f"{TEAM};messageid=")

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
