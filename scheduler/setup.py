"""The clock: an APScheduler 3 AsyncIOScheduler that wakes waymark every minute, and at start-up.

It only wakes waymark up; what is due is decided by `scheduler.jobs.tick` from the database, so
a restart catches up whatever was missed, and replicas do not duplicate anything. For the same
reason the job store is in memory: APScheduler 3's persistent stores run a job once per process
that shares them, and the usual start-up pattern silently drops a run missed during downtime.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.jobs import JobContext, tick

log = logging.getLogger(__name__)

TICK_JOB_ID = "waymark.tick"
TICK_SECONDS = 60.0

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SimulatedClock:
    """Time that runs `speed` times faster than the wall clock from `start`, counted from the
    wall-clock instant `origin` (seconds since the epoch). Processes given the same three
    values agree on the time. For tests that run weeks in seconds; never for real use."""

    start: datetime
    speed: float
    origin: float

    def __call__(self) -> datetime:
        elapsed = max(time.time() - self.origin, 0.0)  # it stands at `start` until `origin`
        return self.start + timedelta(seconds=elapsed * self.speed)


def build_scheduler(
    job: Callable[[], Awaitable[None]], *, interval: float = TICK_SECONDS
) -> AsyncIOScheduler:
    """One tick job: never two at once in a process, late runs merged into one and never
    discarded, and the first run straight away rather than a minute after start-up."""
    scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone=UTC)
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=interval, timezone=UTC),
        id=TICK_JOB_ID,
        name="waymark: post the reminders and digest that are due",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        next_run_time=wall_clock(),
        replace_existing=True,
    )
    return scheduler


class Ticker:
    """Runs `scheduler.jobs.tick` on the clock. `start()` inside a running event loop;
    `await stop()` lets a tick in progress finish, then stops."""

    def __init__(
        self,
        ctx: JobContext,
        *,
        clock: Clock = wall_clock,
        interval: float = TICK_SECONDS,
        on_success: Callable[[datetime], None] | None = None,
    ) -> None:
        self.ctx = ctx if ctx.clock else replace(ctx, clock=clock)
        self.clock = clock
        # Told the time each pass finishes without error (for the operators' metrics).
        self.on_success = on_success
        self.scheduler = build_scheduler(self.run_once, interval=interval)
        self._idle = asyncio.Event()
        self._idle.set()

    async def run_once(self) -> None:
        self._idle.clear()
        now = self.clock()
        try:
            await tick(self.ctx, now)
            if self.on_success is not None:
                self.on_success(self.clock())
        except Exception:
            # The next tick tries again: everything due is still due, and a message caught
            # mid-send is looked for before it is posted again.
            log.exception("the scheduler's pass at %s failed; the next one will retry", now)
        finally:
            self._idle.set()

    def start(self) -> None:
        if not self.ctx.digest_targets:
            log.warning("no digest channel is set: the weekly digest will not be posted")
        if self.ctx.programme is None:
            log.warning("no programme channel is set: escalations wait until there is one")
        self.scheduler.start()

    async def stop(self, grace: float = 60.0) -> None:
        """Stop ticking; a pass in progress gets `grace` seconds to finish."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("a scheduler pass was still running after %ss; stopping anyway", grace)
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # shutdown is scheduled on the loop; let it run
