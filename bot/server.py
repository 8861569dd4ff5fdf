"""`waymark serve`: one process that answers Slack, runs the scheduler's clock and reports its
health. With no Slack credentials it starts the local playground workspace instead, and talks
to it exactly as it talks to Slack."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import ClientSession, web
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text

from bot.adapter import Adapter
from bot.background import Background
from bot.operator_cli import job_context
from bot.slack.app import BoltSlot, add_routes, build_app
from bot.slack.messenger import SlackMessenger, posting_client, web_api_session
from commands.conversations import Core
from commands.ports import Messenger

if TYPE_CHECKING:
    from bot.teams.app import TeamsRunning
from config.settings import Settings, SettingsError
from scheduler.jobs import JobContext
from scheduler.setup import Ticker
from storage.db import Database

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def stop(self) -> None:
        for close in reversed(self.closers):
            await close()
        await self.background.drain()
        await self.runner.cleanup()
        await self.db.dispose()


def require(settings: Settings, *names: str) -> None:
    missing = [n for n in names if not getattr(settings, n.lower(), None)]
    if missing:
        raise SettingsError(
            "Settings need fixing before waymark can start:\n"
            + "\n".join(
                f"{n}: must be set to connect to Slack (README: 'Installing in Slack')"
                for n in missing
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


def slack_services(
    settings: Settings, db: Database, background: Background, *, token: str, api_url: str,
    clock: Clock, admins: frozenset[str] | None = None, session: ClientSession | None = None,
) -> Adapter[SlackMessenger]:  # fmt: skip
    core = Core(
        db,
        clock=clock,
        tz=settings.zone,
        admins=admins if admins is not None else frozenset(settings.admins),
    )
    messenger = SlackMessenger(posting_client(token, api_url, session=session))
    return Adapter(core, messenger, background)


def shared_web_api_session(running: Running, session: ClientSession) -> None:
    """Close the Web API session last of all the closers, once background work (confirmations,
    chart uploads still posting through it) has finished."""

    async def close() -> None:
        await running.background.drain()
        await session.close()

    running.closers.insert(0, close)


async def listen(web_app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, int(bound)


def start_clock(running: Running, settings: Settings, clock: Clock, *, tick: bool) -> JobContext:
    """The scheduler's jobs, posting through the same messengers as the listeners (one pace per
    channel), and its clock, which wakes them every minute."""
    messengers: dict[str, Messenger] = {}
    if running.services is not None:
        messengers["slack"] = running.services.messenger
    if running.teams is not None:
        messengers["teams"] = running.teams.messenger
    jobs = job_context(settings, running.db, messengers)
    running.jobs = jobs
    if tick:
        ticker = Ticker(jobs, clock=clock)
        ticker.start()
        running.closers.append(ticker.stop)
    return jobs


async def teams_if_wanted(
    settings: Settings,
    web_app: web.Application,
    db: Database,
    background: Background,
    clock: Clock,
) -> TeamsRunning | None:
    """Serve Teams on `web_app` when it is configured. The Teams SDK is imported only then: it
    takes a second and tens of megabytes that a Slack-only waymark should not pay."""
    if not (settings.teams_configured or settings.teams_allow_anonymous):
        return None
    from bot.teams.app import start_teams

    core = Core(db, clock=clock, tz=settings.zone, admins=frozenset(settings.admins))
    return await start_teams(settings, web_app, core=core, background=background)


async def start(
    settings: Settings, *, host: str, port: int, clock: Clock = utc_now, tick: bool = True
) -> Running:
    """Slack when SLACK_BOT_TOKEN is set, Teams when its credentials are (both in one process
    when both are); with neither, the local playground workspace."""
    if settings.slack_bot_token or settings.teams_configured:
        running = await start_slack(settings, host=host, port=port, clock=clock)
        start_clock(running, settings, clock, tick=tick)
        return running
    from bot.playground.launch import start_local

    return await start_local(settings, host=host, port=port, clock=clock, tick=tick)


async def start_slack(
    settings: Settings, *, host: str, port: int, clock: Clock = utc_now
) -> Running:
    """Answer Slack (HTTP mode on `port`, or Socket Mode when SLACK_APP_TOKEN is set) and, when
    its credentials are set, Teams at `/api/messages` on the same port."""
    slack = bool(settings.slack_bot_token)
    if slack and not settings.slack_app_token:
        require(settings, "SLACK_SIGNING_SECRET")
    db = Database(settings.database_url)
    await db.migrate()
    background = Background()
    web_app = web.Application()
    health_route(web_app, db)
    services: Adapter[SlackMessenger] | None = None
    app: AsyncApp | None = None
    session: ClientSession | None = None
    if slack:
        token = settings.slack_bot_token or ""
        session = web_api_session()
        services = slack_services(
            settings, db, background, token=token, api_url=settings.slack_api_url, clock=clock,
            session=session,
        )  # fmt: skip
        app = build_app(
            token=token,
            signing_secret=settings.slack_signing_secret or "unused-in-socket-mode",
            api_url=settings.slack_api_url,
            adapter=services,
            session=session,
        )
        if not settings.slack_app_token:
            add_routes(web_app, BoltSlot(app))
    teams = await teams_if_wanted(settings, web_app, db, background, clock)
    runner, bound = await listen(web_app, host, port)
    running = Running(runner, db, background, bound, services, teams)
    if session is not None:
        shared_web_api_session(running, session)
    banners = []
    if app is not None and settings.slack_app_token:
        running.closers.append(await _socket_mode(app, settings.slack_app_token))
        banners.append(f"waymark is connected to Slack in Socket Mode (health: port {bound}).")
    elif app is not None:
        banners.append(f"waymark is answering Slack at http://{host}:{bound}/slack/events")
    if teams is not None:
        running.closers.append(teams.stop)
        banners.append(f"waymark is answering Teams at http://{host}:{bound}/api/messages")
    running.banner = "\n".join(banners)
    return running


async def _socket_mode(app: AsyncApp, app_token: str) -> Callable[[], Awaitable[None]]:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler.close_async


async def serve_forever(start_server: Callable[[], Awaitable[Running]]) -> None:
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
