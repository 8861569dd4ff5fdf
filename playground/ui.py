"""The browser page's own routes under ``/ui/``: what one person sees, what they do, live updates.

Every request names who is acting (``as``), so several tabs can be open as different people.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from typing import Any

from aiohttp import web

from playground import shapes
from playground.errors import SlackError
from playground.people import People
from playground.records import Message, ts_value
from playground.workspace import Workspace

# Hooks the composition root wires to waymark's scheduler: run a job as if it were this moment.
RunHook = Callable[[datetime | None], Awaitable[str]]

# Proxies drop an idle stream, so a comment line goes out this often when nothing happens.
KEEP_ALIVE_SECONDS = 15.0


class PageError(Exception):
    """The page sent something that makes no sense; the message is shown to the person."""


def _string(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise PageError(f"Something went wrong in the page: {name} is missing.")
        return None
    return str(value)


def _required(body: dict[str, Any], name: str) -> str:
    value = _string(body, name)
    assert value is not None
    return value


class Ui:
    def __init__(
        self,
        workspace: Workspace,
        people: People,
        *,
        hooks: dict[str, RunHook | None],
        time_zone: tzinfo,
    ) -> None:
        self.workspace = workspace
        self.people = people
        self.hooks = hooks
        self.time_zone = time_zone

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/ui/state", self.state),
            web.get("/ui/events", self.events),
            web.post("/ui/messages", self.send_message),
            web.post("/ui/messages/edit", self.edit_message),
            web.post("/ui/messages/delete", self.delete_message),
            web.post("/ui/actions", self.click),
            web.post("/ui/views/submit", self.submit_view),
            web.post("/ui/views/cancel", self.cancel_view),
            web.post("/ui/run/{job}", self.run_job),
        ]

    # ----- reading

    def _viewer(self, user_id: str | None) -> str:
        if user_id and user_id in self.workspace.users:
            return user_id
        admins = [u for u in self.workspace.users.values() if u.is_admin and not u.is_bot]
        people = [u for u in self.workspace.users.values() if not u.is_bot]
        return (admins or people or [self.workspace.bot])[0].id

    def _message(self, message: Message) -> dict[str, Any]:
        shown = shapes.message_json(self.workspace, message)
        shown["is_ephemeral"] = message.visible_to is not None
        shown["is_own"] = False
        return shown

    def state_for(
        self, viewer: str, channel_id: str | None, thread_ts: str | None
    ) -> dict[str, Any]:
        """Everything one person's page shows right now."""
        ws = self.workspace
        channels = sorted(ws.channels.values(), key=lambda c: c.name)
        visible = [c for c in channels if not c.is_private or viewer in c.members]
        current = ws.channels.get(channel_id or "")
        if current is None or current not in visible:
            current = next((c for c in visible if c.name == "general"), None) or (
                visible[0] if visible else None
            )
        body: dict[str, Any] = {
            "team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain},
            "bot": {"id": ws.bot.id, "name": ws.bot.name, "bot_id": ws.bot_id},
            "me": viewer,
            "users": [
                {
                    "id": u.id,
                    "name": u.name,
                    "handle": u.handle,
                    "title": u.title,
                    "is_admin": u.is_admin,
                    "is_bot": u.is_bot,
                }
                for u in ws.users.values()
            ],
            "channels": [
                {
                    "id": c.id,
                    "name": c.name,
                    "topic": c.topic,
                    "is_member": viewer in c.members,
                    "bot_is_member": ws.bot.id in c.members,
                    "is_private": c.is_private,
                }
                for c in visible
            ],
            "channel": current.id if current else None,
            "messages": [],
            "notices": [],
            "thread": None,
            "view": None,
            "hooks": {name: hook is not None for name, hook in self.hooks.items()},
        }
        if current is not None:
            ephemerals = ws.ephemerals(viewer, current.id)
            timeline = ws.history(current.id) + [e for e in ephemerals if not e.thread_ts]
            timeline.sort(key=lambda m: ts_value(m.ts))
            body["messages"] = [self._message(m) for m in timeline]
            body["notices"] = [
                {"ts": n.ts, "text": n.text}
                for n in ws.notices
                if n.user_id == viewer and n.channel_id == current.id
            ]
            if thread_ts:
                body["thread"] = self._thread(viewer, current.id, thread_ts, ephemerals)
        view = ws.top_view(viewer)
        if view is not None:
            body["view"] = {**shapes.view_json(ws, view), "errors": view.errors}
        for shown in [*body["messages"], *(body["thread"] or {}).get("messages", [])]:
            shown["is_own"] = shown.get("user") == viewer and not shown.get("is_ephemeral")
        return body

    def _thread(
        self, viewer: str, channel_id: str, ts: str, ephemerals: list[Message]
    ) -> dict[str, Any] | None:
        try:
            thread = self.workspace.thread(channel_id, ts)
        except SlackError:
            return None
        parent = thread[0]
        extra = [e for e in ephemerals if e.thread_ts == parent.ts]
        messages = sorted([*thread, *extra], key=lambda m: ts_value(m.ts))
        return {"ts": parent.ts, "messages": [self._message(m) for m in messages]}

    async def state(self, request: web.Request) -> web.Response:
        viewer = self._viewer(request.query.get("as"))
        body = self.state_for(viewer, request.query.get("channel"), request.query.get("thread"))
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: one ``change`` per change; the page then fetches its state."""
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue = self.workspace.subscribe()
        try:
            await response.write(b"retry: 1000\nevent: hello\ndata: {}\n\n")
            while True:
                try:
                    async with asyncio.timeout(KEEP_ALIVE_SECONDS):
                        change = await queue.get()
                except TimeoutError:
                    await response.write(b": still here\n\n")
                    continue
                if change is None:
                    break
                data = json.dumps(
                    {"kind": change.kind, "channel": change.channel_id, "user": change.user_id}
                )
                await response.write(f"event: change\ndata: {data}\n\n".encode())
        except ConnectionResetError:
            # The tab was closed; nothing to tell anybody.
            pass
        finally:
            self.workspace.unsubscribe(queue)
        return response

    # ----- doing

    async def _act(
        self, request: web.Request, act: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
    ) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise PageError("Something went wrong in the page: it sent no details.")
            return web.json_response(await act(body))
        except ValueError:
            return web.json_response(
                {"ok": False, "error": "invalid_json", "message": "The page sent bad data."},
                status=400,
            )
        except PageError as exc:
            return web.json_response(
                {"ok": False, "error": "bad_request", "message": str(exc)}, status=400
            )
        except SlackError as exc:
            return web.json_response(
                {"ok": False, "error": exc.error, "message": exc.message or exc.error},
                status=400,
            )

    async def send_message(self, request: web.Request) -> web.Response:
        async def act(body: dict[str, Any]) -> dict[str, Any]:
            outcome = await self.people.say(
                self._viewer(_string(body, "as")),
                _required(body, "channel"),
                str(body.get("text") or ""),
                thread_ts=_string(body, "thread_ts", required=False),
            )
            return outcome.json()

        return await self._act(request, act)

    async def edit_message(self, request: web.Request) -> web.Response:
        async def act(body: dict[str, Any]) -> dict[str, Any]:
            outcome = await self.people.edit(
                self._viewer(_string(body, "as")),
                _required(body, "channel"),
                _required(body, "ts"),
                str(body.get("text") or ""),
            )
            return outcome.json()

        return await self._act(request, act)

    async def delete_message(self, request: web.Request) -> web.Response:
        async def act(body: dict[str, Any]) -> dict[str, Any]:
            outcome = await self.people.delete(
                self._viewer(_string(body, "as")), _required(body, "channel"), _required(body, "ts")
            )
            return outcome.json()

        return await self._act(request, act)

    async def click(self, request: web.Request) -> web.Response:
        async def act(body: dict[str, Any]) -> dict[str, Any]:
            outcome = await self.people.click(
                self._viewer(_string(body, "as")),
                action_id=_required(body, "action_id"),
                block_id=_string(body, "block_id", required=False),
                channel_id=_string(body, "channel", required=False),
                message_ts=_string(body, "message_ts", required=False),
                view_id=_string(body, "view_id", required=False),
                value=_string(body, "value", required=False),
            )
            return outcome.json()

        return await self._act(request, act)

    async def submit_view(self, request: web.Request) -> web.Response:
        async def act(body: dict[str, Any]) -> dict[str, Any]:
            values = body.get("values")
            outcome = await self.people.submit(
                self._viewer(_string(body, "as")),
                _required(body, "view_id"),
                values if isinstance(values, dict) else {},
            )
            return outcome.json()

        return await self._act(request, act)

    async def cancel_view(self, request: web.Request) -> web.Response:
        async def act(body: dict[str, Any]) -> dict[str, Any]:
            outcome = await self.people.cancel(
                self._viewer(_string(body, "as")), _required(body, "view_id")
            )
            return outcome.json()

        return await self._act(request, act)

    def _as_of(self, text: str | None) -> datetime | None:
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise PageError(
                "That date and time could not be read. Use the picker, or YYYY-MM-DD HH:MM."
            ) from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=self.time_zone)

    async def run_job(self, request: web.Request) -> web.Response:
        job = request.match_info["job"]

        async def act(body: dict[str, Any]) -> dict[str, Any]:
            if job not in self.hooks:
                raise PageError(f"There is no job called {job}.")
            hook = self.hooks[job]
            if hook is None:
                raise PageError(f"Running the {job} is not wired up in this playground.")
            as_of = self._as_of(_string(body, "as_of", required=False))
            # The page is the only place the person running the job will see a failure, so
            # any error is shown there rather than lost in a server log.
            try:
                summary = await hook(as_of)
            except Exception as exc:
                return {"ok": False, "error": f"The {job} failed: {exc}"}
            return {"ok": True, "summary": summary}

        return await self._act(request, act)
