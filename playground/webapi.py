"""Slack's Web API (``POST /api/{method}``) over the playground's workspace.

Shapes and error codes follow Slack's so the bot's slack-sdk client cannot tell the difference:
HTTP 200 with ``ok`` true or false, except a rate limit, which is HTTP 429 with Retry-After.
The workspace's faults make a call fail as Slack's can (see ``faults``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from playground.chat import ChatMethods
from playground.conversations import ConversationMethods
from playground.errors import SlackError
from playground.events import EventFeed
from playground.faults import BEFORE, Fault, Kind
from playground.files import FileMethods
from playground.modals import ModalMethods
from playground.params import Method, Params, read_params, token_of
from playground.records import RecordedCall
from playground.socket_mode import SocketMode, check_app_token
from playground.workspace import Workspace


class WebApi:
    def __init__(
        self, workspace: Workspace, feed: EventFeed, *, bot_token: str, socket_mode: SocketMode
    ) -> None:
        self.workspace = workspace
        self.feed = feed
        self.bot_token = bot_token
        self.socket_mode = socket_mode
        self.methods: dict[str, Method] = {
            "api.test": self.api_test,
            "auth.test": self.auth_test,
            "apps.connections.open": socket_mode.connections_open,
        }
        for group in (ChatMethods, ModalMethods, FileMethods, ConversationMethods):
            self.methods.update(group(workspace, feed).table())

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/{method}", self.handle),
            web.get("/api/{method}", self.handle),
        ]

    async def handle(self, request: web.Request) -> web.Response:
        method_name = request.match_info["method"]
        params: Params = {}
        status = 200
        headers: dict[str, str] = {}
        fault: Fault | None = None
        try:
            method = self.methods.get(method_name)
            if method is None:
                raise SlackError("unknown_method", req_method=method_name)
            params = await read_params(request)
            token = token_of(request, params)
            if token is None:
                raise SlackError("not_authed")
            app_token = check_app_token(self.socket_mode, method_name, token)
            if not app_token and token != self.bot_token:
                raise SlackError("invalid_auth")
            fault = self.workspace.faults.take(method_name)
            if fault is not None and fault.kind in BEFORE:
                body, status, headers = fault.answer()
            else:
                body = await method(params)
        except SlackError as exc:
            body = exc.body()
        if fault is not None and fault.kind is Kind.ERROR_AFTER:
            body, status, headers = fault.answer()
        self.workspace.record_call(RecordedCall(method_name, params, status, body))
        if fault is not None and fault.kind is Kind.SLOW:
            await fault.hold()
        if fault is not None and fault.kind is Kind.LOSE_ANSWER:
            # Done, but the bot never hears so: the connection is cut instead of answered.
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("the answer was lost on purpose")
        return web.json_response(body, status=status, headers=headers)

    async def api_test(self, params: Params) -> dict[str, Any]:
        return {"ok": True, "args": {k: v for k, v in params.items() if k != "token"}}

    async def auth_test(self, params: Params) -> dict[str, Any]:
        ws = self.workspace
        return {
            "ok": True,
            "url": f"{ws.public_url}/",
            "team": ws.team_name,
            "user": ws.bot.handle,
            "team_id": ws.team_id,
            "user_id": ws.bot.id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }
