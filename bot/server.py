"""The HTTP side of a running waymark: one aiohttp server on one port, its health route, and what
stops it cleanly. What it serves (Slack, Teams, the playground) is put together by
`bot.wiring`; this module knows nothing of it."""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import ClientSession, web

from bot.adapter import Adapter
from bot.background import Background
from commands.errors import UserError
from scheduler.jobs import JobContext
from scheduler.setup import Ticker
from storage.db import Database

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.slack.messenger import SlackMessenger
    from bot.teams.app import TeamsRunning

Closer = Callable[[], Awaitable[None]]

# How long /healthz gives the database: a health check must answer, not hang.
HEALTH_TIMEOUT = 1.0
# The scheduler's passes that must fail in a row before /healthz reports it.
FAILING_PASSES = 3


@dataclass
class Running:
    """A started server: what `stop()` must close, in order."""

    runner: web.AppRunner
    db: Database
    background: Background
    port: int
    services: Adapter[SlackMessenger] | None = None
    teams: TeamsRunning | None = None
    jobs: JobContext | None = None
    health: Health | None = None
    banner: str = ""
    closers: list[Closer] = field(default_factory=list)

    async def stop(self) -> None:
        for close in reversed(self.closers):
            await close()
        await self.background.drain()
        await self.runner.cleanup()
        await self.db.dispose()


@dataclass
class Health:
    """What `/healthz` checks: the database answers, and can be written, within
    `HEALTH_TIMEOUT`; and the scheduler (when this process runs it) is not failing pass after
    pass."""

    db: Database
    ticker: Ticker | None = None

    async def problems(self) -> dict[str, str]:
        """Each part that is unwell, with why; empty when all is well."""
        found = {}
        reason = await self.db.problem(HEALTH_TIMEOUT)
        if reason is not None:
            found["database"] = reason
        failures = self.ticker.failures_in_a_row if self.ticker is not None else 0
        if failures >= FAILING_PASSES:
            found["scheduler"] = f"its last {failures} passes failed: the log says why"
        return found


def health_route(web_app: web.Application, db: Database) -> Health:
    """`/healthz`: 200 `{"ok": true}`, or 503 with `"ok": false` and the reason for each part
    that is unwell, for a load balancer or an orchestrator to act on."""
    health = Health(db)

    async def healthz(_request: web.Request) -> web.Response:
        problems = await health.problems()
        if problems:
            return web.json_response({"ok": False, **problems}, status=503)
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", healthz)
    return health


async def listen(
    web_app: web.Application, host: str, port: int, *, sock: socket.socket | None = None
) -> tuple[web.AppRunner, int]:
    """Serve `web_app` on host:port, or on `sock` when one is given (a socket another process
    bound: see `bot.workers`); the port it got (port 0 picks a free one). A port that is taken,
    or an address this machine does not have, stops with a one-line UserError."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site: web.BaseSite = (
        web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
    )
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise cannot_listen(error, host, port) from None
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, int(bound)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, for several processes to accept from (`bot.workers`);
    the same one-line UserError as `listen` when it cannot be had."""
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        return socket.create_server(address[:2], family=family, backlog=1024)
    except OSError as error:
        raise cannot_listen(error, host, port) from None


def cannot_listen(error: OSError, host: str, port: int) -> UserError:
    """What to tell an operator whose server could not listen on host:port."""
    if error.errno == errno.EADDRINUSE:
        return UserError(
            f"Port {port} on {host} is already in use (is waymark running already?): stop "
            "what is using it, or choose another port with --port."
        )
    return UserError(
        f"waymark cannot listen on {host}:{port} ({error.strerror or error}): choose "
        "another --host or --port."
    )


def close_session_last(running: Running, session: ClientSession) -> None:
    """Close the Web API session last of all the closers, once background work (confirmations,
    chart uploads still posting through it) has finished."""

    async def close() -> None:
        await running.background.drain()
        await session.close()

    running.closers.insert(0, close)


async def socket_mode(app: AsyncApp, app_token: str) -> Closer:
    """Connect `app` to Slack in Socket Mode; what closes the connection."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler.close_async


async def serve_forever(start_server: Callable[[], Awaitable[Running]]) -> None:
    """Start, print the banner, and run until Ctrl-C or SIGTERM; then stop cleanly."""
    running = await start_server()
    print(running.banner, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await running.stop()
