"""The HTTP side of a running waymark: one aiohttp server on one port, its health route, and what
stops it cleanly. What it serves (Slack, Teams, the playground) is put together by
`bot.wiring`; this module knows nothing of it."""

from __future__ import annotations

import asyncio
import errno
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import ClientSession, web
from sqlalchemy import text

from bot.adapter import Adapter
from bot.background import Background
from commands.errors import UserError
from scheduler.jobs import JobContext
from storage.db import Database

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.slack.messenger import SlackMessenger
    from bot.teams.app import TeamsRunning

Closer = Callable[[], Awaitable[None]]


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
    banner: str = ""
    closers: list[Closer] = field(default_factory=list)

    async def stop(self) -> None:
        for close in reversed(self.closers):
            await close()
        await self.background.drain()
        await self.runner.cleanup()
        await self.db.dispose()


def health_route(web_app: web.Application, db: Database) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure means unhealthy; say why
            return web.json_response({"ok": False, "error": repr(error)}, status=503)
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", healthz)


async def listen(web_app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `web_app` on host:port; the port it got (port 0 picks a free one). A port that is
    taken, or an address this machine does not have, stops with a one-line UserError."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        if error.errno == errno.EADDRINUSE:
            raise UserError(
                f"Port {port} on {host} is already in use (is waymark running already?): stop "
                "what is using it, or choose another port with --port."
            ) from None
        raise UserError(
            f"waymark cannot listen on {host}:{port} ({error.strerror or error}): choose "
            "another --host or --port."
        ) from None
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, int(bound)


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
