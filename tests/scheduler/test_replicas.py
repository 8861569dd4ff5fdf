"""Several replicas against one database post each message once.

In this process: two replicas, each with its own engine and messenger, tick together over three
weeks; and four senders race to drain one outbox. In real processes: two `waymark scheduler`
processes against one PostgreSQL database and a local Slack Web API, on a shared simulated clock
that the test moves on three hours at a time, once both have had a pass: eighteen days in all.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
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
SPEED = 72_000.0  # for the outbox's lease: five minutes real, so 250 days simulated
TICK_SECONDS = 0.02
STEP = timedelta(hours=3)  # 09:00, 12:00 and 15:00 each day: the digest, working hours


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
            # The clock stands at START; the test moves it on a step at a time, each time
            # both processes have finished a pass at the step before: however slow the machine,
            # both see every moment, and a process that starts late misses nothing.
            clock_file = tmp_path / "clock"
            argv = [
                sys.executable, "-m", "bot", "scheduler",
                "--clock-start", START, "--clock-speed", str(SPEED),
                "--clock-file", str(clock_file), "--tick-seconds", str(TICK_SECONDS),
                "--run-until", END,
            ]  # fmt: skip
            logs = [tmp_path / f"process-{n}.log" for n in range(2)]
            processes = []
            for log in logs:
                with log.open("w") as stderr:
                    processes.append(
                        subprocess.Popen(  # noqa: S603 - our own command, our own arguments
                            argv,
                            cwd=ROOT,
                            env=env,
                            stdout=subprocess.PIPE,
                            stderr=stderr,
                            text=True,
                        )
                    )
            try:
                printed = ["", ""]
                for moment in _steps(datetime.fromisoformat(START), datetime.fromisoformat(END)):
                    _set_clock(clock_file, moment)
                    for n, process in enumerate(processes):
                        printed[n] += _until_a_pass_at(process, moment)
                _set_clock(clock_file, datetime.fromisoformat(END))
                for n, process in enumerate(processes):
                    printed[n] += process.communicate(timeout=180)[0]
            except BaseException:
                for p in processes:
                    p.kill()
                raise
            outputs = [(out, log.read_text()) for out, log in zip(printed, logs, strict=True)]
            for process, (out, err) in zip(processes, outputs, strict=True):
                assert process.returncode == 0, err
                assert "waymark scheduler running" in out
                assert "Simulated clock: it is 2026-02-27 12:00 UTC." in out
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


def _steps(start: datetime, end: datetime) -> list[datetime]:
    """Every STEP from `start` until before `end`."""
    moments = []
    while start < end:
        moments.append(start)
        start += STEP
    return moments


def _set_clock(clock_file: Path, moment: datetime) -> None:
    """Both processes' clock, written whole and renamed into place, never read half written."""
    written = clock_file.with_suffix(".new")
    written.write_text(moment.isoformat())
    written.replace(clock_file)


def _until_a_pass_at(process: subprocess.Popen[str], moment: datetime) -> str:
    """What the process printed until it finished a pass at `moment` (or ended)."""
    assert process.stdout is not None
    printed = ""
    while True:
        line = process.stdout.readline()
        printed += line
        if not line:  # it ended: its output says why
            return printed
        if line.startswith("Pass at ") and datetime.fromisoformat(line[8:-7]) >= moment:
            return printed


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
