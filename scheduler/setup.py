"""The clock: an APScheduler 3 AsyncIOScheduler that wakes waymark every minute, and at start-up.

It only wakes waymark up; what is due is decided by `scheduler.jobs.tick` from the database, so
a restart catches up whatever was missed, and replicas do not duplicate anything. For the same
reason the job store is in memory: APScheduler 3's persistent stores run a job once per process
that shares them, and the usual start-up pattern silently drops a run missed during downtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.events import EVENT_JOB_SUBMITTED, JobEvent
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


@dataclass
class SteppedClock:
    """Time as a test sets it, in a file that several processes read: `start` until the file
    is written, then the instant it holds (ISO 8601). The test moves it on only when every
    process has finished a pass at the time before, so however slow the machine, each process
    sees the same moments. For tests; never for real use."""

    start: datetime
    path: Path

    def __post_init__(self) -> None:
        self._last = self.start

    def __call__(self) -> datetime:
        # Not written yet (or caught mid-write): the time it last said.
        with contextlib.suppress(FileNotFoundError, ValueError):
            self._last = datetime.fromisoformat(self.path.read_text())
        return self._last


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
    `await stop()` lets a pass in progress finish (for a while), then stops."""

    def __init__(
        self,
        ctx: JobContext,
        *,
        clock: Clock = wall_clock,
        interval: float = TICK_SECONDS,
        on_success: Callable[[datetime], None] | None = None,
        after_pass: Callable[[datetime], None] | None = None,
    ) -> None:
        self.ctx = ctx if ctx.clock else replace(ctx, clock=clock)
        self.clock = clock
        # Told the time each pass finishes without error (for the operators' metrics).
        self.on_success = on_success
        # Told the time each pass began at, once it has ended (for tests that step the clock).
        self.after_pass = after_pass
        # How many passes in a row failed: /healthz reports a scheduler that keeps failing.
        self.failures_in_a_row = 0
        self.scheduler = build_scheduler(self.run_once, interval=interval)
        # Counted from APScheduler's submission, not from when the pass begins: a pass
        # submitted but not begun would otherwise be cancelled by shutdown, with a traceback.
        self.scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        self._unfinished = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._passes: set[asyncio.Task[None]] = set()

    def _submitted(self, _event: JobEvent) -> None:
        self._unfinished += 1
        self._idle.clear()

    async def run_once(self) -> None:
        try:
            if self._stopping:
                return
            # The pass is a task of its own, so that APScheduler never cancels it: only
            # `stop()` does, and only once its grace has run out.
            work = asyncio.get_running_loop().create_task(self._pass())
            self._passes.add(work)
            work.add_done_callback(self._passes.discard)
            await asyncio.shield(work)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.warning(
                "stopping: the scheduler's pass was abandoned; rows it had not begun to post "
                "were given back, and any it had begun are looked for by the next pass"
            )
        finally:
            self._unfinished = max(self._unfinished - 1, 0)
            if not self._unfinished:
                self._idle.set()

    async def _pass(self) -> None:
        now = self.clock()
        try:
            await tick(self.ctx, now)
        except Exception:
            # The next tick tries again: everything due is still due, and a message caught
            # mid-send is looked for before it is posted again.
            self.failures_in_a_row += 1
            log.exception("the scheduler's pass at %s failed; the next one will retry", now)
        else:
            self.failures_in_a_row = 0
            if self.on_success is not None:
                self.on_success(self.clock())
        if self.after_pass is not None:
            self.after_pass(now)

    def start(self) -> None:
        if not self.ctx.digest_targets:
            log.warning("no digest channel is set: the weekly digest will not be posted")
        if self.ctx.programme is None:
            log.warning("no programme channel is set: escalations wait until there is one")
        self.scheduler.start()

    async def stop(self, grace: float = 60.0) -> None:
        """Stop ticking. A pass in progress gets `grace` seconds to finish; after that it is
        abandoned cleanly: the outbox gives back what it had not begun to post."""
        if not self.scheduler.running:
            return
        self._stopping = True
        self.scheduler.pause()
        try:
            await asyncio.wait_for(asyncio.shield(self._idle.wait()), grace)
        except TimeoutError:
            log.warning("a scheduler pass was still running after %ss; abandoning it", grace)
            for work in list(self._passes):
                work.cancel()
            await self._idle.wait()
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # shutdown is scheduled on the loop; let it run
