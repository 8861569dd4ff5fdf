"""The stand-in's control routes, for a benchmark in another process: set and clear faults, read
and wait for counts of calls, tell it what people said before it started, and hand out response
URLs. Served only by the stand-in (see ``standin``), never by the playground people use."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from playground.faults import Fault, Kind
from playground.workspace import Workspace

WAIT_LIMIT_SECONDS = 60.0


class ControlError(Exception):
    pass


def _fault(body: dict[str, Any]) -> tuple[str, Fault]:
    try:
        kind = Kind(body["fault"])
        method = str(body["method"])
    except (KeyError, ValueError):
        kinds = ", ".join(k.value for k in Kind)
        raise ControlError(f"give a method and a fault, one of {kinds}") from None
    defaults = {
        Kind.REFUSE: ("not_in_channel", 200),
        Kind.RATE_LIMIT: ("ratelimited", 429),
        Kind.SERVER_ERROR: ("internal_error", 500),
        Kind.ERROR_AFTER: ("internal_error", 503),
    }
    error, status = defaults.get(kind, ("", 200))
    retry_after = body.get("retry_after", 1 if kind is Kind.RATE_LIMIT else None)
    times = body.get("times", 1)
    return method, Fault(
        kind,
        str(body.get("error", error)),
        int(body.get("status", status)),
        retry_after=None if retry_after is None else int(retry_after),
        seconds=float(body.get("seconds", 0.0)),
        remaining=None if times is None else int(times),
    )


class Control:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/control/faults", self.add_fault),
            web.delete("/control/faults", self.clear_faults),
            web.post("/control/release", self.release),
            web.get("/control/counts", self.counts),
            web.get("/control/wait", self.wait),
            web.post("/control/messages", self.adopt),
            web.post("/control/response-urls", self.response_url),
        ]

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="send a JSON object")
        return body

    async def add_fault(self, request: web.Request) -> web.Response:
        try:
            method, fault = _fault(await self._body(request))
        except ControlError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        self.workspace.faults.add(method, fault)
        return web.json_response({"ok": True})

    async def clear_faults(self, _request: web.Request) -> web.Response:
        self.workspace.faults.clear()
        return web.json_response({"ok": True})

    async def release(self, _request: web.Request) -> web.Response:
        self.workspace.faults.release()
        return web.json_response({"ok": True})

    async def counts(self, _request: web.Request) -> web.Response:
        return web.json_response(dict(self.workspace.counts))

    async def wait(self, request: web.Request) -> web.Response:
        """Answer once `name` has been counted `count` times, or after `timeout` seconds."""
        try:
            name = request.query["name"]
            count = int(request.query["count"])
            timeout = min(float(request.query.get("timeout", "10")), WAIT_LIMIT_SECONDS)
        except (KeyError, ValueError):
            raise web.HTTPBadRequest(text="give name, count and, if you like, timeout") from None
        seen = await self.workspace.wait_for_count(name, count, seconds=timeout)
        return web.json_response({"name": name, "count": seen})

    async def adopt(self, request: web.Request) -> web.Response:
        """`{"messages": [{"channel", "ts", "user", "text", "thread_ts"}, ...]}`, parents first."""
        messages = (await self._body(request)).get("messages")
        if not isinstance(messages, list):
            raise web.HTTPBadRequest(text="send {'messages': [...]}")
        for m in messages:
            self.workspace.adopt(
                str(m["channel"]),
                ts=str(m["ts"]),
                user=str(m["user"]),
                text=str(m.get("text", "")),
                thread_ts=m.get("thread_ts"),
            )
        return web.json_response({"ok": True, "adopted": len(messages)})

    async def response_url(self, request: web.Request) -> web.Response:
        """A fresh response URL for a command `user` typed in `channel`."""
        body = await self._body(request)
        if not body.get("user") or not body.get("channel"):
            raise web.HTTPBadRequest(text="give the user and the channel")
        hook = self.workspace.issue_response_url(
            user_id=str(body["user"]), channel_id=str(body["channel"])
        )
        return web.json_response({"url": f"{self.workspace.public_url}/respond/{hook.token}"})
