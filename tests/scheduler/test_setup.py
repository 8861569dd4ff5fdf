"""The clock that wakes waymark up: one tick job, at start-up and every minute after."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from commands.presentation.replies import Reply
from scheduler.jobs import tick
from scheduler.setup import TICK_JOB_ID, Ticker, build_scheduler
from storage.db import Database
from storage.repositories import OutboxRepository
from tests.scheduler.conftest import at, context
from tests.scheduler.fakes import FakeMessenger


async def test_the_first_pass_runs_at_start_up_not_a_minute_later(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ticker = Ticker(context(roadmap, messenger), clock=lambda: at("2026-03-02T10:00"))
    ticker.start()
    try:
        async with asyncio.timeout(20):
            await messenger.wait_for_posts(3)
    finally:
        await ticker.stop()
    # Posted straight after start-up: the reminders due at Monday 10:00.
    assert sorted(p.channel_id for p in messenger.sent) == [
        "C0CHILDREN1",
        "C0ECONOMY01",
        "C0PROGRAMME",
    ]
    assert not ticker.scheduler.running


async def test_one_tick_job_in_memory_never_overlapping_and_never_discarded() -> None:
    async def nothing() -> None:
        return None

    scheduler = build_scheduler(nothing)
    (job,) = scheduler.get_jobs()
    assert job.id == TICK_JOB_ID
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(seconds=60)
    # A slow pass is never run twice at once in a process; late runs merge into one and are
    # run however late (what is due is decided by the database, not by APScheduler).
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, None)
    assert isinstance(scheduler._jobstores["default"], MemoryJobStore)


class HeldMessenger(FakeMessenger):
    """Posts the first message only once let go: a pass caught in the middle of its work."""

    def __init__(self) -> None:
        super().__init__()
        self.posting = asyncio.Event()
        self.let_go = asyncio.Event()

    async def post(
        self, channel_id: str, reply: Reply, *, key: str | None = None, thread_id: str | None = None
    ) -> str:
        self.posting.set()
        await self.let_go.wait()
        return await super().post(channel_id, reply, key=key, thread_id=thread_id)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_stopping_lets_a_running_pass_finish_without_a_traceback(
    roadmap: Database, caplog: pytest.LogCaptureFixture
) -> None:
    messenger = HeldMessenger()
    ticker = Ticker(context(roadmap, messenger), clock=lambda: at("2026-03-02T10:00"))
    ticker.start()
    await messenger.posting.wait()
    stopping = asyncio.create_task(ticker.stop(grace=600))
    await asyncio.sleep(0)
    assert not stopping.done()  # it waits for the pass
    messenger.let_go.set()
    await stopping
    assert len(messenger.sent) == 3  # the pass finished: Monday 10:00's three messages
    assert tracebacks(caplog) == []
    assert not ticker.scheduler.running


async def test_a_pass_that_outlasts_the_grace_is_abandoned_cleanly_and_its_rows_given_back(
    roadmap: Database, caplog: pytest.LogCaptureFixture
) -> None:
    messenger = HeldMessenger()
    ticker = Ticker(context(roadmap, messenger), clock=lambda: at("2026-03-02T10:00"))
    ticker.start()
    await messenger.posting.wait()
    await ticker.stop(grace=0)
    assert messenger.sent == []
    assert tracebacks(caplog) == []
    assert "the scheduler's pass was abandoned" in caplog.text
    # Nothing had been posted: the rows not begun are due again at once; the one whose post
    # had begun is looked for when its lease runs out, then posted, once.
    async with roadmap.reading() as session:
        states = sorted((r.state, r.posting) for r in await OutboxRepository(session).everything())
    assert states == [("pending", False), ("pending", False), ("sending", True)]
    later = FakeMessenger()
    await tick(context(roadmap, later), at("2026-03-02T10:06"))
    assert len(later.sent) == 3
