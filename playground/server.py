"""Builds the playground: one aiohttp application serving the Web API, the page and its routes."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiohttp import web

from playground.delivery import ACK_TIMEOUT_SECONDS, Delivery
from playground.events import EventFeed
from playground.page import Page
from playground.people import People
from playground.response_urls import ResponseUrls
from playground.socket_mode import SocketMode
from playground.ui import RunHook, Ui
from playground.uploads import Uploads
from playground.webapi import WebApi
from playground.workspace import Workspace

# Charts and CSV exports go through the upload URL; aiohttp's default 1 MiB is too small.
MAX_REQUEST_BYTES = 64 * 1024 * 1024


@dataclass
class Playground:
    """The parts of a running playground, for tests and for the composition root."""

    workspace: Workspace
    delivery: Delivery
    feed: EventFeed
    people: People
    public_url_given: bool
    socket_mode: SocketMode


PLAYGROUND = web.AppKey("playground", Playground)


def build_playground(
    *,
    workspace: Workspace,
    bot_events_url: str | None,
    signing_secret: str,
    bot_token: str,
    public_url: str | None,
    app_token: str | None = None,
    run_reminders: RunHook | None = None,
    run_digest: RunHook | None = None,
    ack_timeout: float = ACK_TIMEOUT_SECONDS,
    time_zone: str = "Europe/London",
) -> web.Application:
    """The playground as an aiohttp application.

    ``bot_events_url`` is where the bot's Bolt app listens (``http://127.0.0.1:3001/slack/events``);
    None records everything but sends the bot nothing. ``public_url`` is how the bot and the
    browser reach the playground; None means "wherever ``start_playground`` ends up listening".
    ``run_reminders`` / ``run_digest`` back the page's "Run ... now" buttons: each gets the moment
    to act as if it were (None for now) and returns a short summary to show.
    """
    if public_url is not None:
        workspace.public_url = public_url.rstrip("/")
    socket_mode = SocketMode(workspace, app_token=app_token)
    delivery = Delivery(
        workspace,
        url=bot_events_url,
        signing_secret=signing_secret,
        timeout=ack_timeout,
        socket_mode=socket_mode,
    )
    feed = EventFeed(workspace, delivery)
    people = People(workspace, delivery, feed)
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[PLAYGROUND] = Playground(
        workspace, delivery, feed, people, public_url is not None, socket_mode
    )
    ui = Ui(
        workspace,
        people,
        hooks={"reminders": run_reminders, "digest": run_digest},
        time_zone=ZoneInfo(time_zone),
    )
    app.add_routes(WebApi(workspace, feed, bot_token=bot_token, socket_mode=socket_mode).routes())
    app.add_routes(socket_mode.routes())
    app.add_routes(ResponseUrls(workspace, feed).routes())
    app.add_routes(Uploads(workspace).routes())
    app.add_routes(ui.routes())
    app.add_routes(Page().routes())

    async def end_streams(app: web.Application) -> None:
        # Open event streams would otherwise hold shutdown up until aiohttp's timeout.
        workspace.close_subscribers()
        await socket_mode.close()

    async def stop_deliveries(app: web.Application) -> None:
        await delivery.close()

    app.on_shutdown.append(end_streams)
    app.on_cleanup.append(stop_deliveries)
    return app


async def start_playground(
    app: web.Application, *, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, str]:
    """Serve the playground and return its runner (``await runner.cleanup()`` to stop) and URL.

    With ``port=0`` the system picks a free port; the URL says which.
    """
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    url = f"http://{bound_host}:{bound_port}"
    playground = app[PLAYGROUND]
    if not playground.public_url_given:
        playground.workspace.public_url = url
    return runner, url
