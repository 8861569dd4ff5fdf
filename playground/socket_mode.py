"""Slack's Socket Mode, the playground's side: ``apps.connections.open`` and the WebSocket.

A council without a public address runs waymark in Socket Mode: waymark asks
``apps.connections.open`` (with its app-level ``xapp-`` token) for a WebSocket URL, connects, and
Slack sends it envelopes (``events_api``, ``slash_commands``, ``interactive``) that it acknowledges
with the envelope's id, an answer's payload included. While a bot is connected, the playground
delivers everything this way instead of to a request URL, as Slack does once Socket Mode is on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from playground.errors import SlackError
from playground.params import Params
from playground.records import DeliveryRecord, new_id
from playground.workspace import Workspace

log = logging.getLogger(__name__)

SOCKET_PATH = "/socket-mode"
# What the playground's request kinds are called in a Socket Mode envelope.
ENVELOPE_TYPES = {"event": "events_api", "slash_command": "slash_commands"}
# Slack waits for an answer in the acknowledgement only to these.
ANSWERED_IN_ACK = {"slash_command", "view_submission"}


class SocketMode:
    """Tickets handed out by ``apps.connections.open`` and the connections made with them."""

    def __init__(self, workspace: Workspace, *, app_token: str | None) -> None:
        self.workspace = workspace
        self.app_token = app_token
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.connected = asyncio.Event()

    @property
    def is_connected(self) -> bool:
        return any(not socket.closed for socket in self._sockets)

    def routes(self) -> list[web.RouteDef]:
        return [web.get(SOCKET_PATH + "/{ticket}", self.connect)]

    async def connections_open(self, params: Params) -> dict[str, Any]:
        """``apps.connections.open``: a one-use WebSocket URL (the token was checked already)."""
        ticket = secrets.token_urlsafe(16)
        self._tickets.add(ticket)
        base = self.workspace.public_url.replace("http://", "ws://").replace("https://", "wss://")
        return {"ok": True, "url": f"{base}{SOCKET_PATH}/{ticket}"}

    async def connect(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        if ticket not in self._tickets:
            raise web.HTTPUnauthorized(text="This Socket Mode URL was not issued or was used.")
        self._tickets.discard(ticket)
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": self.workspace.app_id},
                "debug_info": {"host": "playground"},
            }
        )
        self.connected.set()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._acknowledged(message.data)
        finally:
            self._sockets.remove(socket)
            if not self.is_connected:
                self.connected.clear()
        return socket

    def _acknowledged(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except ValueError:
            log.warning("the bot sent something that is not JSON over Socket Mode: %.80s", data)
            return
        envelope_id = ack.get("envelope_id") if isinstance(ack, dict) else None
        waiting = self._waiting.get(envelope_id) if isinstance(envelope_id, str) else None
        if waiting is not None and not waiting.done():
            waiting.set_result(ack)

    async def deliver(self, record: DeliveryRecord, ack_seconds: float) -> None:
        """Send ``record``'s payload as an envelope on the newest connection and wait for the
        acknowledgement, as Slack does; fill in ``record`` as a request URL's answer would."""
        socket = next((s for s in reversed(self._sockets) if not s.closed), None)
        if socket is None:
            record.error = "could not connect (the Socket Mode connection closed)"
            return
        envelope_id = new_id("E").lower() + "-" + secrets.token_hex(4)
        envelope = {
            "envelope_id": envelope_id,
            "type": ENVELOPE_TYPES.get(record.kind, "interactive"),
            "payload": record.payload,
            "accepts_response_payload": record.kind in ANSWERED_IN_ACK,
        }
        if record.kind == "event":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        waiting: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[envelope_id] = waiting
        try:
            await socket.send_json(envelope)
            ack = await asyncio.wait_for(waiting, ack_seconds)
        except TimeoutError:
            record.error = "timed out"
            return
        except ConnectionError:
            record.error = "could not connect (the Socket Mode connection closed)"
            return
        finally:
            del self._waiting[envelope_id]
        record.status = 200
        if ack.get("payload"):
            record.content_type = "application/json"
            record.body = json.dumps(ack["payload"])

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()


def check_app_token(socket_mode: SocketMode, method: str, token: str) -> bool:
    """Whether ``token`` is the app-level token, which only ``apps.connections.open`` takes."""
    is_app_token = socket_mode.app_token is not None and token == socket_mode.app_token
    if method == "apps.connections.open" and not is_app_token:
        raise SlackError("not_allowed_token_type" if token.startswith("xox") else "invalid_auth")
    if is_app_token and method != "apps.connections.open":
        raise SlackError("not_allowed_token_type")
    return is_app_token
