"""A database that stalls or cannot write: every chat answer still comes inside Slack's three
seconds, says so plainly, and nothing is changed. Another connection holds a lock the way a
long migration, a stuck batch job or an operator's open transaction would."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest

from commands.conversations import NOT_ANSWERING
from scheduler.setup import Ticker
from storage.db import Database
from tests.factories import load_roadmap
from tests.scheduler.conftest import context
from tests.scheduler.fakes import FakeMessenger
from tests.slack.harness import CHILDREN, LEAD, SlackHarness, slack_harness
from tests.slack.test_thread_readings import readings_of, shared_card

# Short, so that the tests are quick; the answers must come all the same.
TIMEOUT = 0.5


@pytest.fixture
async def slack(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> AsyncIterator[SlackHarness]:
    await load_roadmap(db, tmp_path / "roadmap", now, tz)
    url = db.url.render_as_string(hide_password=False)
    async with slack_harness(url, now, database_timeout=TIMEOUT) as harness:
        yield harness


@asynccontextmanager
async def locked(db: Database, table: str) -> AsyncIterator[None]:
    """`table` locked by another connection until the block ends: on PostgreSQL against
    reading and writing it; on SQLite (which locks the whole file) against writing."""
    if db.is_postgresql:
        conn = await asyncpg.connect(db.url.set(drivername="postgresql").render_as_string(False))
        try:
            async with conn.transaction():
                await conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                yield
        finally:
            await conn.close()
    else:
        with _sqlite_writer(db):
            yield


@contextmanager
def _sqlite_writer(db: Database) -> Iterator[None]:
    conn = sqlite3.connect(db.url.database or "", isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


async def healthz(slack: SlackHarness) -> tuple[int, dict[str, object]]:
    url = f"http://127.0.0.1:{slack.running.port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def test_a_thread_reply_while_readings_are_locked_is_answered_and_changes_nothing(
    slack: SlackHarness, db: Database
) -> None:
    thread = await shared_card(slack)
    before = await readings_of(slack, 12)
    async with locked(db, "readings"):
        await slack.reply(LEAD, CHILDREN, thread, "31.5 2025/26")
        [answer] = slack.bot_replies(CHILDREN, thread)
        assert answer.text == NOT_ANSWERING
    assert await readings_of(slack, 12) == before
    # Once the lock is gone, the same words are recorded.
    await slack.reply(LEAD, CHILDREN, thread, "31.5 2025/26")
    assert ("2025/26", 31.5, True) in await readings_of(slack, 12)


async def test_outcome_12_while_its_readings_are_locked(slack: SlackHarness, db: Database) -> None:
    async with locked(db, "readings"):
        [answer] = await slack.command(LEAD, CHILDREN, "12")
    if db.is_postgresql:  # locked against reading too: said so, at once
        assert answer.text == NOT_ANSWERING
    else:  # SQLite's readers never wait for its writer: the answer is the outcome
        assert answer.text.startswith("Outcome 12: ")


async def test_healthz_is_unhealthy_while_a_table_is_locked_against_writers(
    slack: SlackHarness, db: Database
) -> None:
    assert await healthz(slack) == (200, {"ok": True})
    async with locked(db, "outcomes"):
        status, body = await healthz(slack)
    assert status == 503
    assert body["ok"] is False
    assert "database" in body
    assert await healthz(slack) == (200, {"ok": True})


async def test_a_read_only_sqlite_file_is_unhealthy_and_so_is_a_scheduler_that_keeps_failing(
    tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    path = tmp_path / "waymark.db"
    writable = Database(f"sqlite:///{path}")
    await writable.migrate()
    await load_roadmap(writable, tmp_path / "roadmap", now, tz)
    await writable.dispose()
    # Opened read-only, as a file this process may not write would be (the tests run as root,
    # whom file permissions do not stop).
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    async with slack_harness(read_only, now, database_timeout=TIMEOUT) as slack:
        status, body = await healthz(slack)
        assert status == 503
        assert "readonly" in str(body["database"])
        # A reading cannot be recorded: said so.
        submit = "12 submit 31.5 2025/26 more outreach this spring"
        [answer] = await slack.command(LEAD, CHILDREN, submit)
        assert answer.text == NOT_ANSWERING

        health = slack.running.health
        assert health is not None
        ticker = Ticker(context(slack.running.db, FakeMessenger()), clock=lambda: now)
        health.ticker = ticker
        for _ in range(3):
            await ticker.run_once()
        problems = await health.problems()
        assert problems["scheduler"] == "its last 3 passes failed: the log says why"
