"""Build waymark's Teams app on the Teams SDK and serve it at `POST /api/messages`, on the same
aiohttp server as Slack.

The SDK checks each request's JWT (issued by the Bot Framework to our app id) before any
handler runs. Without credentials it serves anonymously only when TEAMS_ALLOW_ANONYMOUS is
set, for the Agents Playground on a developer's machine, and says so loudly at start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from aiohttp import web
from microsoft_teams.apps import App
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler
from microsoft_teams.apps.utils import derive_graph_base_url

from bot.adapter import Adapter
from bot.background import Background
from bot.teams import door
from bot.teams.door import ServiceUrls
from bot.teams.graph import ChannelReader, GraphToken
from bot.teams.handlers import register
from bot.teams.messenger import TeamsMessenger
from commands.conversations import Core
from commands.delivery.conversation_book import ConversationBook
from config.settings import Settings, SettingsError

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


class AiohttpAdapter:
    """The SDK's `HttpServerAdapter` on waymark's aiohttp application: the SDK registers its
    messaging route here and keeps its own JWT check; waymark's server runs it."""

    def __init__(self, web_app: web.Application, service_urls: ServiceUrls) -> None:
        self.web_app = web_app
        self.service_urls = service_urls

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        async def route(request: web.Request) -> web.StreamResponse:
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"error": "the body is not JSON"}, status=400)
            if not isinstance(body, dict):
                return web.json_response({"error": "the body is not an activity"}, status=400)
            service_url = body.get("serviceUrl") or ""
            if not isinstance(service_url, str):
                door.refused(400, "a serviceUrl that is not text")
                return web.json_response({"error": "the serviceUrl is not text"}, status=400)
            if service_url and not self.service_urls.allows(service_url):
                # Before the SDK sees it: nothing is ever sent to a host the caller chose.
                door.refused(403, f"a serviceUrl that is not the Bot Framework's: {service_url!r}")
                return web.json_response({"error": "serviceUrl not allowed"}, status=403)
            problem = door.not_an_activity(body)
            if problem is not None:
                door.refused(400, problem)
                return web.json_response({"error": "the body is not a Teams activity"}, status=400)
            result = await handler(HttpRequest(body=body, headers=dict(request.headers)))
            if result.get("body") is None:
                return web.Response(status=result["status"])
            return web.json_response(result["body"], status=result["status"])

        self.web_app.router.add_route(method, path, route)

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("waymark serves no Teams tabs")

    async def start(self, port: int) -> None:
        raise NotImplementedError("waymark's server runs the routes: see bot.server")

    async def stop(self) -> None:
        return None


@dataclass
class TeamsRunning:
    """A Teams app serving on waymark's server: its messenger goes to the outbox."""

    app: App
    messenger: TeamsMessenger
    services: Adapter[TeamsMessenger]
    anonymous: bool

    async def stop(self) -> None:
        """Close the SDK's connections (its clients keep them open between requests)."""
        await self.messenger.close()


def teams_wanted(settings: Settings) -> bool:
    return settings.teams_configured or settings.teams_allow_anonymous


def build_app(settings: Settings, web_app: web.Application) -> tuple[App, bool]:
    """The SDK's App with waymark's credentials and server. Returns it and whether it accepts
    requests without a token."""
    problems = settings.teams_problems()
    if problems:
        raise SettingsError(
            "Settings need fixing before waymark can start:\n" + "\n".join(problems)
        )
    anonymous = not settings.teams_configured
    options: dict[str, Any] = {
        "service_url": settings.teams_service_url,
        "http_server_adapter": AiohttpAdapter(
            web_app, ServiceUrls(settings, local_trial=anonymous)
        ),
        "messaging_endpoint": MESSAGES_PATH,
        "state": False,
        "dangerously_allow_unauthenticated_requests": anonymous,
    }
    if not anonymous:
        options |= {
            "client_id": settings.teams_client_id,
            "client_secret": settings.teams_client_secret,
            "tenant_id": settings.teams_tenant_id,
        }
    return App(**options), anonymous


async def start_teams(
    settings: Settings,
    web_app: web.Application,
    *,
    core: Core,
    background: Background,
    host: str,
) -> TeamsRunning | None:
    """Serve Teams at `POST /api/messages` on `web_app` (before its runner starts), when
    Teams credentials are set or TEAMS_ALLOW_ANONYMOUS is; None otherwise. Anonymous only for a
    local trial: on loopback `host`, with no Slack credentials (SettingsError otherwise)."""
    if not teams_wanted(settings):
        return None
    app, anonymous = build_app(settings, web_app)
    problem = door.anonymous_problem(settings, host) if anonymous else None
    if problem:
        raise SettingsError("Settings need fixing before waymark can start:\n" + problem)
    messenger = messenger_for(app, settings, core.book, anonymous=anonymous)
    services = Adapter(core, messenger, background)
    register(app, services)
    await app.initialize()
    if anonymous:
        log.warning(
            "Teams is served at %s WITHOUT checking who is calling: TEAMS_ALLOW_ANONYMOUS is set "
            "and there are no Teams credentials. Use this only on your own machine, with the "
            "Agents Playground; set TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID "
            "for a real Teams.",
            MESSAGES_PATH,
        )
    else:
        log.info("waymark is answering Teams at %s", MESSAGES_PATH)
    return TeamsRunning(app, messenger, services, anonymous)


def teams_messenger(settings: Settings, book: ConversationBook) -> TeamsMessenger | None:
    """A messenger for posting to Teams without serving it (`waymark remind`, `digest`,
    `scheduler`): None when Teams is not configured."""
    if not teams_wanted(settings):
        return None
    app, anonymous = build_app(settings, web.Application())
    return messenger_for(app, settings, book, anonymous=anonymous)


def messenger_for(
    app: App,
    settings: Settings,
    book: ConversationBook,
    *,
    anonymous: bool,
) -> TeamsMessenger:
    """The outbox's messenger on the SDK's Bot Connector client; with credentials it reads
    channels through Microsoft Graph, to check on posts whose answer was lost."""
    graph = None
    if not anonymous:
        base_url = settings.teams_graph_url or derive_graph_base_url(app.cloud)
        if base_url:
            # A short timeout: a look happens within a batch's lease (see outbox.LEASE).
            graph = ChannelReader(httpx.AsyncClient(timeout=10), base_url, graph_token(app))
    return TeamsMessenger(
        app.api,
        book,
        admins=settings.admins,
        service_urls=ServiceUrls(settings, local_trial=anonymous),
        graph=graph,
        closers=[app.http_client.http.aclose],
    )


def graph_token(app: App) -> GraphToken:
    """App-only Graph tokens from the SDK's own token source and credentials."""

    async def token(tenant: str | None) -> str | None:
        found = await app.token_provider.get_app_token(app.cloud.graph_scope, tenant)
        return str(found) if found else None

    return token
