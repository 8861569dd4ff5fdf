"""Several replicas against one database post each message once.

In this process: two replicas, each with its own engine and messenger, tick together over three
weeks; and four senders race to drain one outbox. In real processes: two `waymark scheduler`
processes against one PostgreSQL database and a local Slack Web API, on a shared simulated clock
that runs eighteen days in about twenty seconds.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from commands.delivery.outbox import drain
from commands.delivery.reply_codec import encode
from commands.presentation.replies import Reply, Section
from playground.standin import BOT_TOKEN, running_standin
from scheduler.jobs import tick
from storage.db import Database
from storage.repositories import OutboxRepository
from tests.conftest import PostgresTarget, _in_thread
from tests.databases import create_postgres_database, drop_postgres_database
from tests.factories import load_roadmap
from tests.scheduler.conftest import DIGEST, LONDON, PROGRAMME, context, days
from tests.scheduler.fakes import FakeMessenger, Platform

ROOT = Path(__file__).resolve().parents[2]

REMINDERS_FROM_SUNDAY_1_MARCH = [
    "reminder:economy:20:2024:4",
    "escalation:economy:20:2024:3",
    "reminder:children:13:2025-Q4:1",
    "reminder:children:13:2025-Q4:2",
    "escalation:children:13:2025-Q4:3",
]
DIGESTS_FROM_SUNDAY_1_MARCH = [
    "digest:C0DIGEST:2026-02-23",  # the first start: last Monday's, late
    "digest:C0DIGEST:2026-03-02",
    "digest:C0DIGEST:2026-03-09",
    "digest:C0DIGEST:2026-03-16",
]


@pytest.fixture
async def second_engine(roadmap: Database) -> AsyncIterator[Database]:
    other = Database(roadmap.url.render_as_string(hide_password=False))
    try:
        yield other
    finally:
        await other.dispose()


async def test_two_replicas_ticking_together_for_three_weeks_post_each_message_once(
    roadmap: Database, second_engine: Database
) -> None:
    slack = Platform()
    one = context(roadmap, FakeMessenger(slack), digest=DIGEST)
    two = context(second_engine, FakeMessenger(slack), digest=DIGEST)
    for moment in days(date(2026, 3, 1), date(2026, 3, 20)):
        # Their clocks a second apart, as two machines' would be.
        await asyncio.gather(tick(one, moment), tick(two, moment + timedelta(seconds=1)))
    keys = slack.keys()
    assert len(keys) == len(set(keys))
    # Outcome 20 is reminded again 14 working days after its group last heard (Mon 2 March).
    assert sorted(k or "" for k in keys) == sorted(
        [*REMINDERS_FROM_SUNDAY_1_MARCH, "reminder:economy:20:2024:5", *DIGESTS_FROM_SUNDAY_1_MARCH]
    )


async def test_senders_racing_for_one_outbox_post_each_message_once(
    roadmap: Database, second_engine: Database
) -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    async with roadmap.transaction() as session:
        outbox = OutboxRepository(session)
        for n in range(60):
            await outbox.add(
                key=f"note:{n}",
                kind="note",
                platform="slack",
                channel_id=f"C0TEAM{n % 3}",
                summary=f"note {n}",
                payload=encode(Reply(f"Note {n}", (Section(text=f"Note {n}"),))),
                not_before=now,
                created_at=now,
            )
    slack = Platform()
    engines = [roadmap, second_engine]
    senders = [drain(engines[i % 2], {"slack": FakeMessenger(slack)}, now) for i in range(4)]
    reports = await asyncio.gather(*senders)
    keys = slack.keys()
    assert sorted(k or "" for k in keys) == sorted(f"note:{n}" for n in range(60))
    assert sum(len(r.delivered) for r in reports) == 60


START = "2026-02-27T12:00:00+00:00"  # a Friday, noon
END = "2026-03-17T12:00:00+00:00"  # a Tuesday, noon, 18 days later
SPEED = 72_000.0  # 20 simulated hours a second: 18 days in 21.6 seconds
TICK_SECONDS = 0.04  # a pass every 48 simulated minutes


def test_two_scheduler_processes_post_each_reminder_and_digest_once(
    postgres: PostgresTarget, tmp_path: Path
) -> None:
    if postgres.url is None:
        pytest.skip(postgres.reason)
    url = _in_thread(create_postgres_database())
    try:
        _in_thread(_load(url, tmp_path / "map"))
        with running_standin() as slack:
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "DATABASE_URL": url,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_API_URL": slack.api_url,
                "WAYMARK_DIGEST_CHANNEL": DIGEST,
                "WAYMARK_PROGRAMME_CHANNEL": PROGRAMME,
            }
            # Both are up and ticking before the clock starts, even on a busy two-core CI machine.
            origin = time.time() + 15
            argv = [
                sys.executable, "-m", "bot", "scheduler",
                "--clock-start", START, "--clock-speed", str(SPEED),
                "--clock-origin", str(origin), "--tick-seconds", str(TICK_SECONDS),
                "--run-until", END,
            ]  # fmt: skip
            processes = [
                subprocess.Popen(  # noqa: S603 - our own command, our own arguments
                    argv,
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            outputs = []
            for process in processes:
                try:
                    outputs.append(process.communicate(timeout=180))
                except subprocess.TimeoutExpired:
                    for p in processes:
                        p.kill()
                    raise
            for process, (out, err) in zip(processes, outputs, strict=True):
                assert process.returncode == 0, err
                assert "waymark scheduler running" in out
                # Up before the simulated clock started, or the run would not be the one below.
                assert "Simulated clock: it is 2026-02-27 12:00 UTC." in out, "started too late"
                assert "Traceback" not in err, err
            keys = slack.post_keys()
            charts = slack.charts()
        unsent = _in_thread(_unsent(url))
    finally:
        _in_thread(drop_postgres_database(url))

    # From Friday 27 February: outcome 13's 2025-Q3 reading and outcome 20's 2024 reading are
    # long overdue (their groups and the programme channel hear at once); then 13's 2025-Q4
    # climbs its ladder on 2, 9 and 16 March; a digest each Monday, and last Monday's late.
    assert len(keys) == len(set(keys))
    assert sorted(k or "" for k in keys) == sorted(
        [
            "reminder:children:13:2025-Q3:4",  # long past its escalation: a repeat
            "escalation:children:13:2025-Q3:3",
            *REMINDERS_FROM_SUNDAY_1_MARCH,
            *DIGESTS_FROM_SUNDAY_1_MARCH,
        ]
    )
    assert len(charts) == len(DIGESTS_FROM_SUNDAY_1_MARCH)
    assert unsent == []
    # Each process says what it posted: together, each message once, and no second attempt.
    posted = [err.count(") posted to ") for _, err in outputs]
    assert sum(posted) == len(keys), f"posts per process: {posted}"


async def _load(url: str, directory: Path) -> None:
    db = Database(url)
    try:
        await load_roadmap(db, directory, datetime(2026, 2, 1, tzinfo=UTC), LONDON)
    finally:
        await db.dispose()


async def _unsent(url: str) -> list[str]:
    db = Database(url)
    try:
        async with db.reading() as session:
            return [f"{r.key}: {r.state}" for r in await OutboxRepository(session).unsent()]
    finally:
        await db.dispose()
