"""`waymark serve`: one process that answers Slack, runs the scheduler's clock and reports its
health. With no Slack credentials it starts the local playground workspace instead."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import text

from bot.background import Background
from bot.slack.app import add_routes, build_app
from bot.slack.listeners import Services
from bot.slack.messenger import SlackMessenger, posting_client
from config.settings import Settings, SettingsError
from storage.db import Database

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Running:
    """A started server: what `stop()` must close, in order."""

    runner: web.AppRunner
    db: Database
    background: Background
    port: int
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def stop(self) -> None:
        for close in reversed(self.closers):
            await close()
        await self.runner.cleanup()
        await self.background.drain()
        await self.db.dispose()


def require(settings: Settings, *names: str) -> None:
    missing = [n for n in names if not getattr(settings, n.lower(), None)]
    if missing:
        raise SettingsError(
            "Settings need fixing before waymark can start:\n"
            + "\n".join(
                f"{n}: must be set for Slack (see README, 'Installing in Slack')" for n in missing
            )
        )


def health_route(web_app: web.Application, db: Database) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as error:  # any failure means unhealthy; say why
            return web.json_response({"ok": False, "error": repr(error)}, status=503)
        return web.json_response({"ok": True})

    web_app.router.add_get("/healthz", healthz)


async def start_slack(
    settings: Settings,
    *,
    host: str,
    port: int,
    clock: Callable[[], datetime] = utc_now,
) -> Running:
    """Start answering Slack (HTTP mode on `port`, or Socket Mode with SLACK_APP_TOKEN)."""
    require(settings, "SLACK_BOT_TOKEN")
    if not settings.slack_app_token:
        require(settings, "SLACK_SIGNING_SECRET")
    db = Database(settings.database_url)
    await db.migrate()
    token = settings.slack_bot_token or ""
    background = Background()
    services = Services(
        db=db,
        tz=settings.zone,
        admins=frozenset(settings.admins),
        clock=clock,
        messenger=SlackMessenger(posting_client(token, settings.slack_api_url)),
        background=background,
    )
    app = build_app(
        token=token,
        signing_secret=settings.slack_signing_secret or "socket-mode",
        api_url=settings.slack_api_url,
        services=services,
    )
    web_app = web.Application()
    health_route(web_app, db)
    if not settings.slack_app_token:
        add_routes(web_app, app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    running = Running(runner, db, background, bound)
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(app, settings.slack_app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        running.closers.append(handler.close_async)
        log.info("waymark is connected to Slack in Socket Mode; health on port %s", bound)
    else:
        log.info("waymark is answering Slack at http://%s:%s/slack/events", host, bound)
    return running


async def serve_forever(start: Callable[[], Awaitable[Running]]) -> None:
    running = await start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await running.stop()
