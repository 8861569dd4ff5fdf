"""What the guards' Slack tests do and look at besides typing: cards shared, readings stored,
readings imported, `waymark status --json`, replies in a thread and the buttons on a message."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from commands.roadmap_files.importing import import_readings
from playground.records import Message
from storage.repositories import ReadingRepository, RoadmapRepository
from tests.slack.harness import ADMIN, CHILDREN, LEAD, SlackHarness


async def shared_card(slack: SlackHarness, number: int) -> str:
    await slack.command(LEAD, CHILDREN, f"{number} share")
    return slack.workspace.history(CHILDREN)[-1].ts


async def readings_of(slack: SlackHarness, number: int) -> list[tuple[str, float, bool]]:
    async with slack.running.db.reading() as session:
        outcome = await RoadmapRepository(session).outcome(number)
        assert outcome is not None
        history = await ReadingRepository(session).history(outcome.id)
    return [(r.period, r.value, r.is_current) for r in history]


async def add_readings(slack: SlackHarness, tmp_path: Path, rows: str, now: datetime) -> None:
    file = tmp_path / "more-readings.csv"
    file.write_text("outcome,period,value,submitted_by,submitted_at,note\n" + rows)
    async with slack.running.db.transaction() as session:
        await import_readings(session, file, now=now, tz=ZoneInfo("Europe/London"), actor=ADMIN.id)


async def status_json(
    slack: SlackHarness,
    number: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, object]:
    """`waymark status N --json`, as an operator runs it against the same database."""
    monkeypatch.setenv("DATABASE_URL", slack.running.db.url.render_as_string(hide_password=False))
    capsys.readouterr()
    code = await asyncio.to_thread(main, ["status", str(number), "--json", "--at", "2026-11-26"])
    assert code == 0
    found: dict[str, object] = json.loads(capsys.readouterr().out)
    return found


def said(slack: SlackHarness, thread: str) -> list[str]:
    return [m.text for m in slack.bot_replies(CHILDREN, thread)]


def button(message: Message, action: str) -> str:
    """The value of the message's button for `action`."""
    for block in message.blocks or []:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == action:
            return str(accessory["value"])
    raise AssertionError(f"no {action} button on {message.text!r}")
