"""Build waymark's Slack app: the real Bolt AsyncApp, pointed at Slack or at any Slack-compatible
Web API (GovSlack, a proxy, the local playground) through SLACK_API_URL."""

from __future__ import annotations

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.adapter import Adapter
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
    )
    register(app, adapter)
    return app


class BoltSlot:
    """Where the endpoint finds the Bolt app. The playground must be listening (to know its
    own address) before waymark's app can be built, and aiohttp freezes routes on start."""

    def __init__(self, app: AsyncApp | None = None) -> None:
        self.app = app


def add_routes(web_app: web.Application, slot: BoltSlot) -> None:
    """`POST /slack/events` takes commands, events and interactivity, as Slack sends them."""

    async def slack_events(request: web.Request) -> web.Response:
        if slot.app is None:
            return web.json_response({"error": "waymark is still starting"}, status=503)
        bolt_request = await to_bolt_request(request)
        return await to_aiohttp_response(await slot.app.async_dispatch(bolt_request))

    web_app.router.add_post(EVENTS_PATH, slack_events)
