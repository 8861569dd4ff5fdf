"""Where a thread-reply reading's time goes, measured in one process so that the figures do not
depend on what else the machine runs: SQL statements per reading (counted as the driver is
given them), CPU ms per reading (the process's own CPU time) and, with `--profile`, where
that CPU went (cProfile, sorted by cumulative time).

    .venv/bin/python -m bench.ingest_profile --db both --replies 300
    .venv/bin/python -m bench.ingest_profile --db sqlite --door bolt --profile 40

`--door core` hands each reply straight to the core (`Core.thread_reply`); `--door bolt` sends
it, signed, through the real Bolt app (the listener, the tick and the confirmation posted to the
Slack stand-in, which runs in its own process so that its CPU is not counted). Each reply is a
new reading for a distinct outcome (its next period), then as many corrections (the lead's own
figure for that period, given again), `--concurrency` at a time."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.request.async_request import AsyncBoltRequest
from sqlalchemy import event

from bench.data import Replies, Roadmap, generate
from bench.databases import fresh_database, postgres_available
from bench.load import BOT_USER, reply_event
from bench.passes import LONDON
from bench.processes import free_port, postgres_server_cpu_seconds, started
from bench.stand_in import StandIn
from bot.background import Background
from bot.metrics import Metrics
from bot.slack.app import build_app
from bot.slack.messenger import web_api_session
from bot.wiring import core_for, slack_adapter
from commands.conversations import Core
from commands.events import ThreadReply
from config.settings import Settings
from playground.delivery import signature
from storage.db import Database

TOKEN = "xoxb-waymark-profile"
SECRET = "profile-signing-secret"


@dataclass
class Counted:
    statements: int = 0

    def __call__(self, *_: Any) -> None:
        self.statements += 1


@dataclass(frozen=True)
class Reply:
    channel: str
    thread: str
    ts: str
    user: str
    text: str


def replies(roadmap: Roadmap, count: int, rng: random.Random, first_ts: int) -> list[Reply]:
    """A new reading for each of `count` outcomes, then each lead's correction of it (as the
    bench sends them: `data.Replies`, each stored at once)."""
    numbers = roadmap.monthly[:count]
    assert len(numbers) == count, f"{len(numbers)} monthly outcomes for {count} replies"
    said = []
    figures = Replies(roadmap, rng)
    for i, number in enumerate([*numbers, *numbers]):
        thread = roadmap.threads[number]
        ts = f"1770000001.{first_ts + i:06d}"
        said.append(
            Reply(thread.channel_id, thread.ts, ts, figures.lead(number), figures.text(number))
        )
    return said


async def _at_most(concurrency: int, jobs: list[Callable[[], Awaitable[object]]]) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            await job()

    await asyncio.gather(*(one(job) for job in jobs))


class Measured:
    """Statements and CPU over the measured part only (not the warm-up)."""

    def __init__(self, db: Database, profile: bool) -> None:
        self.counted = Counted()
        self.db = db
        self.profiler = cProfile.Profile(time.process_time) if profile else None
        self.database = 0.0  # PostgreSQL's server's CPU (SQLite's is in the process's own)

    def _database(self) -> float:
        return postgres_server_cpu_seconds() if self.db.is_postgresql else 0.0

    def __enter__(self) -> Measured:
        event.listen(self.db.engine.sync_engine, "before_cursor_execute", self.counted)
        self.database = self._database()
        self.cpu = time.process_time()
        self.wall = time.perf_counter()
        if self.profiler is not None:
            self.profiler.enable()
        return self

    def __exit__(self, *_: object) -> None:
        if self.profiler is not None:
            self.profiler.disable()
        self.cpu = time.process_time() - self.cpu
        self.database = self._database() - self.database
        self.wall = time.perf_counter() - self.wall
        event.remove(self.db.engine.sync_engine, "before_cursor_execute", self.counted)


async def through_core(
    db: Database, said: list[Reply], concurrency: int, profile: bool
) -> Measured:
    core = Core(db, clock=_now, tz=LONDON, admins=frozenset())
    events = [
        ThreadReply("slack", r.channel, r.thread, r.ts, r.user, r.text, receipt=f"Ev{r.ts}")
        for r in said
    ]
    warm, rest = events[:10], events[10:]
    for e in warm:
        await core.thread_reply(e)
    with Measured(db, profile) as measured:
        await _at_most(concurrency, [partial(core.thread_reply, e) for e in rest])
    return measured


async def through_bolt(
    db: Database, said: list[Reply], concurrency: int, profile: bool, folder: Path
) -> Measured:
    port = free_port()
    args = ["playground.standin", "--port", str(port), "--token", TOKEN]
    async with started("standin", args, {}, folder, port) as standin_process:
        await standin_process.wait_healthy("/control/counts", 60)
        api_url = f"{standin_process.url}/api/"
        async with aiohttp.ClientSession() as control:
            standin = StandIn(control, standin_process)
            cards = {(r.channel, r.thread) for r in said}
            await standin.adopt(
                [{"channel": c, "ts": ts, "user": BOT_USER, "text": "card"} for c, ts in cards]
            )
            await standin.adopt(
                [
                    {"user": r.user, "channel": r.channel, "thread_ts": r.thread, "ts": r.ts,
                     "text": r.text}
                    for r in said
                ]
            )  # fmt: skip
            settings = Settings.model_validate(
                {"DATABASE_URL": str(db.url), "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": api_url}
            )
            session = web_api_session()
            background = Background()
            core = core_for(settings, db, _now, Metrics())
            adapter = slack_adapter(core, background, token=TOKEN, api_url=api_url, session=session)
            app = build_app(
                token=TOKEN, signing_secret=SECRET, api_url=api_url, adapter=adapter,
                session=session,
            )  # fmt: skip
            requests = [_signed(r) for r in said]
            posted = (await standin.counts()).get("chat.postMessage", 0)

            async def send(request: AsyncBoltRequest) -> None:
                response = await app.async_dispatch(request)
                assert response.status == 200, response.body

            for request in requests[:10]:
                await send(request)
            await background.drain()
            with Measured(db, profile) as measured:
                await _at_most(concurrency, [partial(send, r) for r in requests[10:]])
                await background.drain()
            got = (await standin.counts()).get("chat.postMessage", 0) - posted
            assert got == len(said), f"{got} confirmations posted for {len(said)} replies"
            await session.close()
    return measured


def _signed(reply: Reply) -> AsyncBoltRequest:
    _, body = reply_event(
        user=reply.user, channel=reply.channel, thread_ts=reply.thread, ts=reply.ts,
        text=reply.text,
    )  # fmt: skip
    stamp = str(int(time.time()))
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/json",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature(SECRET, stamp, body),
    }
    return AsyncBoltRequest(body=body.decode(), query="", headers=headers)


def _now() -> datetime:
    return datetime.now(LONDON)


async def measure(backend: str, options: argparse.Namespace, folder: Path) -> None:
    today = datetime.now(LONDON).date()
    async with fresh_database(backend, folder) as url:
        db = Database(url)
        try:
            await db.migrate()
            roadmap = await generate(
                # Thread replies are for the monthly outcomes: most of them (`scales.CADENCES`).
                db, outcomes=options.replies * 3 // 2 + 20, readings_per_outcome=24, groups=10,
                today=today, seed=1,
            )  # fmt: skip
            said = replies(roadmap, options.replies, random.Random(2), 1)
            if options.door == "core":
                measured = await through_core(db, said, options.concurrency, bool(options.profile))
            else:
                measured = await through_bolt(
                    db, said, options.concurrency, bool(options.profile), folder
                )
        finally:
            await db.dispose()
    n = len(said) - 10
    print(
        f"{backend} {options.door} x{options.concurrency}: {n} replies, "
        f"{measured.counted.statements / n:.2f} statements and {measured.cpu / n * 1000:.2f} ms "
        f"CPU per reading ({measured.wall / n * 1000:.2f} ms wall)"
        + (
            f", and {measured.database / n * 1000:.2f} ms of PostgreSQL's"
            if db.is_postgresql
            else ""
        )
    )
    if measured.profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(measured.profiler, stream=out).sort_stats(options.sort)
        # A count that does not move with the machine's load, unlike its CPU time.
        calls = stats.total_calls  # type: ignore[attr-defined]
        print(f"{calls / n:.0f} Python function calls per reading")
        stats.print_stats(options.profile)
        print(out.getvalue())


async def main(options: argparse.Namespace) -> None:
    backends = ["sqlite", "postgresql"] if options.db == "both" else [options.db]
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            if backend == "postgresql" and (why := await postgres_available()):
                print(f"postgresql: not measured ({why})")
                continue
            await measure(backend, options, Path(folder))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_profile", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--door", choices=("core", "bolt"), default="core")
    parser.add_argument("--replies", type=int, default=200, help="outcomes; twice as many replies")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, help="show this many cProfile lines")
    parser.add_argument("--sort", choices=("cumulative", "tottime"), default="cumulative")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
