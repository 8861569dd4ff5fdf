"""A small stand-in for Slack's Web API on 127.0.0.1, recording what the bot posts.

It serves the methods waymark's messenger uses: auth.test, chat.postMessage (metadata kept),
conversations.history (metadata only with include_all_metadata, as Slack does), and the three
steps of a file upload. Switches make the next post fail the ways Slack can fail: refused
(`refuse_next_post`), rate limited (`rate_limit_next_post`), or accepted and stored but the
answer lost on the way back (`drop_next_answer`), which is what a timeout after posting looks
like to the bot; `fail_after_posting` stores it and answers a server error; `refuse_history`
makes the history unreadable (a scope not granted).

It runs on its own thread and event loop, so that both async tests and the `waymark` command
(which runs its own loop) and other processes can talk to it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_TOKEN = "xoxb-fake-slack"


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    thread_ts: str | None

    @property
    def key(self) -> str | None:
        return ((self.metadata or {}).get("event_payload") or {}).get("key")

    @property
    def words(self) -> str:
        """Everything a person reads in the message: its blocks' text, mentions included."""
        parts: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str):
                    parts.append(node["text"])
                for value in node.values():
                    if isinstance(value, dict | list):
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.blocks)
        return "\n".join(parts)


@dataclass
class Upload:
    file_id: str
    filename: str
    alt_txt: str | None
    data: bytes = b""
    channel: str | None = None
    thread_ts: str | None = None


@dataclass
class FakeSlack:
    messages: list[Message] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    refuse_next_post: str | None = None
    rate_limit_next_post: bool = False
    drop_next_answer: bool = False
    refuse_history: str | None = None  # every conversations.history answers this error
    fail_after_posting: int | None = None  # the next post is stored, then answered this status
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    # What tests read

    @property
    def posts(self) -> list[Message]:
        with self._lock:
            return list(self.messages)

    def post_keys(self) -> list[str | None]:
        return [m.key for m in self.posts]

    def in_channel(self, channel: str) -> list[Message]:
        return [m for m in self.posts if m.channel == channel]

    def charts(self) -> list[Upload]:
        """Files uploaded with their bytes: the charts messages show by file id."""
        with self._lock:
            return [u for u in self.uploads.values() if u.data]

    # The Web API

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        return app

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(await request.post())
        for name in ("blocks", "metadata", "files"):
            if isinstance(params.get(name), str):
                params[name] = json.loads(params[name])
        return params

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        with self._lock:
            self.calls.append(method)
        if request.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        match method:
            case "auth.test":
                return web.json_response({"ok": True, "user_id": "U0WAYMARK", "team": "Town"})
            case "chat.postMessage":
                return await self._post_message(request, params)
            case "conversations.history":
                if self.refuse_history:
                    return web.json_response({"ok": False, "error": self.refuse_history})
                return web.json_response(self._history(params))
            case "files.getUploadURLExternal":
                return web.json_response(self._upload_url(params))
            case "files.completeUploadExternal":
                return web.json_response(self._complete_upload(params))
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _post_message(self, request: web.Request, params: dict[str, Any]) -> web.Response:
        with self._lock:
            if self.rate_limit_next_post:
                self.rate_limit_next_post = False
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
                )
            if self.refuse_next_post:
                error, self.refuse_next_post = self.refuse_next_post, None
                return web.json_response({"ok": False, "error": error})
            self._count += 1
            ts = f"1767225600.{self._count:06d}"
            message = Message(
                channel=str(params["channel"]),
                ts=ts,
                text=str(params.get("text", "")),
                blocks=list(params.get("blocks") or []),
                metadata=params.get("metadata"),
                thread_ts=params.get("thread_ts"),
            )
            self.messages.append(message)
            drop, self.drop_next_answer = self.drop_next_answer, False
            failed, self.fail_after_posting = self.fail_after_posting, None
        if failed is not None:
            return web.json_response({"ok": False, "error": "internal_error"}, status=failed)
        if drop:
            # Posted, but the bot never hears so: cut the connection instead of answering.
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("answer dropped on purpose")
        return web.json_response({"ok": True, "channel": message.channel, "ts": ts})

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        with self._lock:
            found = [m for m in reversed(self.messages) if m.channel == channel]
        page = found[start : start + limit]
        messages = []
        for m in page:
            shown: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text}
            if with_metadata and m.metadata:
                shown["metadata"] = m.metadata
            messages.append(shown)
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            file_id = f"F{len(self.uploads) + 1:06d}"
            self.uploads[file_id] = Upload(file_id, str(params["filename"]), params.get("alt_txt"))
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        with self._lock:
            self.uploads[request.match_info["file_id"]].data = data
        return web.Response(text="OK")

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files") or []
        with self._lock:
            for f in files:
                upload = self.uploads[f["id"]]
                upload.channel = params.get("channel_id")
                upload.thread_ts = params.get("thread_ts")
        return {"ok": True, "files": [{"id": f["id"]} for f in files]}

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"


@contextmanager
def running_fake_slack() -> Iterator[FakeSlack]:
    """A FakeSlack serving on an ephemeral port, on its own thread, for the `with` block."""
    fake = FakeSlack()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner = web.AppRunner(fake.app(), access_log=None)

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        fake.url = f"http://{host}:{port}"
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="fake-slack", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the fake Slack Web API did not start")
    try:
        yield fake
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
