"""Sends requests to the bot the way Slack does: signed, to one events URL, with a 3 s budget;
or, while the bot is connected in Socket Mode, as envelopes over its WebSocket."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlencode

import aiohttp

from playground.records import DeliveryRecord
from playground.socket_mode import SocketMode
from playground.workspace import Workspace

# Slack gives up on a request after three seconds and tells the person it timed out.
ACK_TIMEOUT_SECONDS = 3.0


def signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``, as in Slack's request signing."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class Delivery:
    """The playground's side of the bot's request URL.

    Every request and the bot's answer is kept in ``workspace.deliveries``. Requests Slack would
    send without waiting (events about the bot's own posts) run as tracked background tasks, so
    shutting down or a test calling ``drain()`` never leaves one half-sent.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        url: str | None,
        signing_secret: str,
        timeout: float = ACK_TIMEOUT_SECONDS,
        socket_mode: SocketMode | None = None,
    ) -> None:
        self.workspace = workspace
        self.url = url
        self.socket_mode = socket_mode
        self.signing_secret = signing_secret
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[DeliveryRecord]] = set()

    async def send_form(
        self, kind: str, fields: dict[str, str], *, record: dict[str, Any] | None = None
    ) -> DeliveryRecord:
        body = urlencode(fields).encode()
        return await self._send(
            kind, body, "application/x-www-form-urlencoded", record or dict(fields)
        )

    async def send_interaction(self, kind: str, payload: dict[str, Any]) -> DeliveryRecord:
        """Interactivity goes as a form with one field, ``payload``, holding JSON."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._send(kind, body, "application/x-www-form-urlencoded", payload)

    async def send_event(self, envelope: dict[str, Any]) -> DeliveryRecord:
        body = json.dumps(envelope).encode()
        return await self._send("event", body, "application/json", envelope)

    def spawn(self, send: Coroutine[Any, Any, DeliveryRecord]) -> None:
        task = asyncio.ensure_future(send)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every background delivery has been answered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _send(
        self, kind: str, body: bytes, content_type: str, payload: dict[str, Any]
    ) -> DeliveryRecord:
        record = DeliveryRecord(kind=kind, payload=payload)
        if self.socket_mode is not None and self.socket_mode.is_connected:
            # A bot in Socket Mode gets everything over its WebSocket, as from Slack.
            await self.socket_mode.deliver(record, self.timeout)
            self.workspace.record_delivery(record)
            return record
        if self.url is None:
            record.error = "no bot is connected"
            self.workspace.record_delivery(record)
            return record
        # Bolt checks the timestamp against its own clock, so this is real time, not the
        # workspace clock a test may have moved.
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature(self.signing_secret, timestamp, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                record.status = response.status
                record.content_type = response.content_type
                record.body = await response.text()
        except TimeoutError:
            record.error = "timed out"
        except aiohttp.ClientError as exc:
            record.error = f"could not connect ({exc.__class__.__name__})"
        self.workspace.record_delivery(record)
        return record


def failure_text(bot_name: str, record: DeliveryRecord) -> str | None:
    """What a person is told when the bot did not answer properly, or None when it did."""
    if record.ok:
        return None
    if record.status is not None:
        return f"{bot_name} did not answer (HTTP {record.status})."
    if record.error == "timed out":
        return f"{bot_name} did not answer in time (Slack waits 3 seconds)."
    if record.error == "no bot is connected":
        return f"{bot_name} is not connected to this playground, so nothing answered."
    return f"{bot_name} did not answer: it is not running or cannot be reached."


def answer_json(record: DeliveryRecord) -> dict[str, Any] | None:
    """The bot's answer as JSON, when it sent JSON."""
    if not record.body.strip():
        return None
    try:
        parsed = json.loads(record.body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
