"""CPU per kept answer, in one process: `python -m bench.listener [--requests N] [--profile]`.

waymark's real app, built as `waymark serve` builds it (`bot.wiring.start_server`, the Slack
stand-in in the same process), over a small generated road map on SQLite, every card warm; and
the ack-only floor (`bench.floor`). Each is sent the same signed `/outcome N` commands through
its own `POST /slack/events` handler (the HTTP parsing and writing both share is left out), 20
at a time as aiohttp runs them (a task each), with waymark's work after the answer (`Background`)
drained and counted. It prints the CPU each took per request and what waymark adds; with
`--profile`, cProfile's top functions for each. CPU time of a fixed workload, not wall-clock
latency: steadier than the bench on a busy machine, and it says where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from bench.data import generate
from bench.floor import build_floor
from bench.load import command_body
from bench.passes import LONDON
from bench.run import ASKED_IN, ASKER, SECRET, TOKEN
from bot.logs import configure_logging
from bot.wiring import start_server
from config.settings import Settings
from playground.delivery import signature
from playground.standin import build_standin
from storage.db import Database

Handler = Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]
AT_ONCE = 20


# One aiohttp request made with its test helper (whose mocks are slow to make), cloned for each
# command with that command's headers and body: what the handlers read of a request.
_PROTOTYPE: web.Request | None = None


def _request(text: str) -> web.Request:
    global _PROTOTYPE
    if _PROTOTYPE is None:
        _PROTOTYPE = make_mocked_request("POST", "/slack/events")
    body = command_body(user=ASKER, channel=ASKED_IN, text=text, response_url="http://x/r")
    stamp = str(int(time.time()))
    headers = CIMultiDict(
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(SECRET, stamp, body),
        }
    )
    request = _PROTOTYPE.clone(headers=headers)
    request._read_bytes = body  # as if read from the connection
    return request


def _events_handler(web_app: web.Application) -> Handler:
    for resource in web_app.router.resources():
        if resource.canonical == "/slack/events":
            for route in resource:
                if route.method == "POST":
                    return cast(Handler, route.handler)
    raise LookupError("no POST /slack/events")


async def _drive(
    handler: Handler,
    texts: list[str],
    settle: Callable[[], Awaitable[None]],
    expect: str,
    profiler: cProfile.Profile | None = None,
) -> float:
    """Send `texts` as commands, AT_ONCE at a time; the CPU seconds it took."""
    made = [_request(t) for t in texts]
    if profiler is not None:
        profiler.enable()
    began = time.thread_time()
    for start in range(0, len(made), AT_ONCE):
        tasks = [asyncio.create_task(handler(r)) for r in made[start : start + AT_ONCE]]
        for response in await asyncio.gather(*tasks):
            body = getattr(response, "text", "") or ""
            if response.status != 200 or expect not in body:
                raise RuntimeError(f"unexpected answer {response.status}: {body[:200]}")
        await settle()
    took = time.thread_time() - began
    if profiler is not None:
        profiler.disable()
    return took


class Measured:
    """What one app took: CPU per request, each round, and Python calls per request."""

    def __init__(
        self, name: str, handler: Handler, settle: Callable[[], Awaitable[None]], expect: str
    ) -> None:
        self.name, self.handler, self.settle, self.expect = name, handler, settle, expect
        self.rounds: list[float] = []
        self.calls = 0.0

    @property
    def cpu(self) -> float:
        """The median round's CPU per request, in µs."""
        return statistics.median(self.rounds)

    async def round(self, texts: list[str]) -> None:
        took = await _drive(self.handler, texts, self.settle, self.expect)
        self.rounds.append(took / len(texts) * 1e6)

    async def profile(self, texts: list[str], show: bool) -> None:
        # This thread's CPU: not the time other threads (aiosqlite's) or the machine took.
        profiler = cProfile.Profile(time.thread_time)
        await _drive(self.handler, texts, self.settle, self.expect, profiler)
        stats = pstats.Stats(profiler, stream=io.StringIO())
        self.calls = stats.total_calls / len(texts)  # type: ignore[attr-defined]
        if show:
            path = Path(tempfile.gettempdir()) / f"listener-{self.name}.prof"
            stats.dump_stats(path)
            stats.stream = sys.stdout  # type: ignore[attr-defined]
            print(f"===== {self.name}: {len(texts)} requests (saved in {path})")
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(50)


async def measure(
    requests: int, rounds: int, outcomes: int, profile: bool, log_format: str
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="waymark-listener-"))
    # As `waymark serve` logs: a line per answer, to standard error (here a file, as the bench's).
    configure_logging(log_format)
    # Line-buffered, as Python opens standard error for `waymark serve` (to a file or a pipe).
    log = (folder / "stderr.log").open("w", encoding="utf-8", buffering=1)
    shown, sys.stderr = sys.stderr, log
    try:
        await _measure_in(folder, requests, rounds, outcomes, profile, log_format)
    finally:
        sys.stderr.close()
        sys.stderr = shown
        shutil.rmtree(folder, ignore_errors=True)


async def _measure_in(
    folder: Path, requests: int, rounds: int, outcomes: int, profile: bool, log_format: str
) -> None:
    url = f"sqlite:///{folder / 'bench.db'}"
    db = Database(url)
    await db.migrate()
    today = datetime.now(LONDON).date()
    roadmap = await generate(
        db, outcomes=outcomes, readings_per_outcome=24, groups=4, today=today, seed=1
    )
    await db.dispose()
    standin = web.AppRunner(build_standin(TOKEN), access_log=None)
    await standin.setup()
    site = web.TCPSite(standin, "127.0.0.1", 0)
    await site.start()
    api = f"http://127.0.0.1:{standin.addresses[0][1]}/api/"
    settings = Settings.model_validate(
        {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api,
        }
    )
    running = await start_server(
        settings, host="127.0.0.1", port=0, clock=lambda: datetime.now(UTC), tick=False
    )
    floor = build_floor(token=TOKEN, signing_secret=SECRET, api_url=api)
    try:
        core = running.services.core if running.services else None
        assert core is not None
        while len(core.answers) < len(roadmap.numbers):  # noqa: ASYNC110 - a gauge, no event
            await asyncio.sleep(0.1)
        # The change watcher looks at the database twice a second whatever is asked: left out.
        for close in running.closers:
            if "watching_changes" in close.__qualname__:
                await close()
        texts = [str(roadmap.numbers[i % len(roadmap.numbers)]) for i in range(requests)]

        async def drained() -> None:
            await running.background.drain()

        async def nothing() -> None:
            return None

        ours = Measured("waymark", _events_handler(running.runner.app), drained, "Latest reading")
        base = Measured("floor", _events_handler(floor), nothing, "")
        for app in (ours, base):
            await app.round(texts[: AT_ONCE * 5])  # warm: first-use imports, Bolt's auth.test
            app.rounds.clear()
        for _ in range(rounds):  # in turn, so that the machine's ups and downs hit both
            for app in (ours, base):
                await app.round(texts)
        for app in (ours, base):
            await app.profile(texts[:500], profile)
        print(
            f"CPU per /outcome N request ({requests} requests {AT_ONCE} at a time, median of "
            f"{rounds} rounds, {log_format} logs): waymark {ours.cpu:.0f} µs, floor "
            f"{base.cpu:.0f} µs; waymark adds {ours.cpu - base.cpu:.0f} µs, "
            f"{ours.cpu / base.cpu:.2f}× the floor\n"
            f"  rounds: waymark {', '.join(f'{r:.0f}' for r in ours.rounds)}; "
            f"floor {', '.join(f'{r:.0f}' for r in base.rounds)}\n"
            f"  Python calls per request: waymark {ours.calls:.0f}, floor {base.calls:.0f}"
        )
    finally:
        await running.stop()
        await standin.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.listener", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--outcomes", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.rounds, args.outcomes, args.profile, args.log_format))


if __name__ == "__main__":
    main()
