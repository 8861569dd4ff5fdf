"""The scheduler's clock in a running process: beside a server (`start_clock`: the jobs post
through the server's own messengers), or alone (`waymark scheduler`: `tick_until_stopped`,
on the wall clock or on a simulated one that runs weeks in seconds, for tests)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.metrics import Metrics
from bot.server import Running
from commands.delivery.outbox import LEASE
from scheduler.jobs import JobContext
from scheduler.setup import Clock, SimulatedClock, SteppedClock, Ticker, wall_clock


def start_clock(
    running: Running, jobs: JobContext, clock: Clock, *, tick: bool, metrics: Metrics
) -> JobContext:
    """The scheduler's jobs beside a server, and its clock, which wakes them every minute."""
    running.jobs = jobs
    if tick:
        ticker = Ticker(jobs, clock=clock, on_success=metrics.pass_succeeded)
        if running.health is not None:
            running.health.ticker = ticker
        ticker.start()
        running.closers.append(ticker.stop)
    return jobs


def scheduler_clock(
    start: datetime | None,
    speed: float = 1.0,
    origin: float | None = None,
    clock_file: Path | None = None,
) -> tuple[Clock, timedelta]:
    """The wall clock, or with `start` a simulated one (`speed` times as fast from the wall-clock
    moment `origin`; or, with `clock_file`, at the moments a test writes there), and the
    outbox's lease on it: a lease is real time, so in simulated time it scales."""
    if start is None:
        return wall_clock, LEASE
    if clock_file is not None:
        return SteppedClock(start.astimezone(UTC), clock_file), LEASE * speed
    began = origin if origin is not None else time.time()
    return SimulatedClock(start.astimezone(UTC), speed, began), LEASE * speed


def _said(at: datetime) -> None:
    print(f"Pass at {at.isoformat()} done.", flush=True)


async def tick_until_stopped(
    ctx: JobContext,
    clock: Clock,
    *,
    interval: float,
    until: datetime | None = None,
    report_passes: bool = False,
) -> None:
    """Run the jobs on `clock` every `interval` seconds until Ctrl-C or SIGTERM (or until the
    clock reads `until`); a pass in progress finishes first. `report_passes` prints a line as
    each pass ends, for a test that moves the clock on once every process has had its pass."""
    ticker = Ticker(
        ctx, clock=clock, interval=interval, after_pass=_said if report_passes else None
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    ticker.start()
    try:
        while not stopping.is_set():
            if until is not None and clock() >= until:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), min(interval, 1.0))
    finally:
        await ticker.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
