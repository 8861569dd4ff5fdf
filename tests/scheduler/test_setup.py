"""The clock that wakes waymark up: one tick job, at start-up and every minute after."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.setup import TICK_JOB_ID, Ticker, build_scheduler
from storage.db import Database
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
