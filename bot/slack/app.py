"""Build waymark's Slack app: the real Bolt AsyncApp, pointed at Slack or at any Slack-compatible
Web API (GovSlack, a proxy, the local playground) through SLACK_API_URL."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapter import Adapter
from bot.slack import door
from bot.slack.listeners import register
from bot.slack.messenger import SlackMessenger, posting_client

EVENTS_PATH = "/slack/events"


def build_app(
    *,
    token: str,
    signing_secret: str,
    api_url: str,
    adapter: Adapter[SlackMessenger],
    session: ClientSession | None = None,
) -> AsyncApp:
    """`session`: the process's Web API session (`messenger.web_api_session`); Bolt gives it to
    the client of every request."""
    app = AsyncApp(
        signing_secret=signing_secret,
        client=posting_client(token, api_url, session=session),
        # Store first, answer after: an event whose reading failed to save is answered with an
        # error, and Slack delivers it again (see listeners.py).
        process_before_response=True,
        # The signature is checked at the door on the raw bytes, before Bolt reads anything
        # (`add_routes`, `door.check`): a second check of every request adds nothing (and in
        # Socket Mode Bolt checks none).
        request_verification_enabled=False,
    )
    register(app, adapter)
    return app


class BoltSlot:
    """Where the endpoint finds the Bolt app and its signing secret. The playground must be
    listening (to know its own address) before waymark's app can be built, and aiohttp freezes
    routes on start."""

    def __init__(self, app: AsyncApp | None = None, signing_secret: str = "") -> None:
        self.app = app
        self.signing_secret = signing_secret


def add_routes(
    web_app: web.Application, slot: BoltSlot, clock: Callable[[], float] = time.time
) -> None:
    """`POST /slack/events` takes commands, events and interactivity, as Slack sends them.
    The signature is checked on the raw bytes before anything parses them (`door.check`),
    against `clock`: the real time, as Slack signs with it."""

    async def slack_events(request: web.Request) -> web.Response:
        if slot.app is None:
            return web.json_response({"error": "waymark is still starting"}, status=503)
        body = await request.read()
        refusal = door.check(body, request.headers, slot.signing_secret, clock())
        if refusal is not None:
            door.refused(refusal, request.path)
            return web.json_response({"error": refusal.reason}, status=refusal.status)
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode("utf-8"),
                query=request.query_string,
                headers=dict(request.headers),
            )
            response = await slot.app.async_dispatch(bolt_request)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            # Bolt read something of the body before any listener ran, and the body's shape
            # failed it: a signed request Slack would not send.
            door.refused(door.Refusal(400, f"a body Bolt cannot read ({error!r})"), request.path)
            return web.json_response({"error": "malformed request"}, status=400)
        return await to_aiohttp_response(response)

    web_app.router.add_post(EVENTS_PATH, slack_events)
