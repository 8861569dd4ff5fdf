"""``POST /respond/{token}``: the ``response_url`` Slack hands out with commands and clicks.

It behaves like Slack's webhook: JSON in, the text ``ok`` out, five uses within thirty minutes,
ephemeral unless ``response_type`` is ``in_channel``, and ``replace_original`` /
``delete_original`` acting on the message that was clicked (or, after a slash command, on the
last message this URL posted).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from playground.blockkit import block_errors, with_ids
from playground.errors import SlackError
from playground.events import EventFeed
from playground.params import flag
from playground.records import Message, RecordedCall, ResponseUrl
from playground.workspace import Workspace

_STATUS = {"no_service": 404, "expired_url": 404}


class ResponseUrls:
    def __init__(self, workspace: Workspace, feed: EventFeed) -> None:
        self.workspace = workspace
        self.feed = feed

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/respond/{token}", self.handle)]

    async def handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body: dict[str, Any] = {}
        try:
            try:
                parsed = await request.json()
            except ValueError as exc:
                raise SlackError("invalid_payload") from exc
            if not isinstance(parsed, dict):
                raise SlackError("invalid_payload")
            body = parsed
            _check(body)
            hook = self.workspace.use_response_url(token)
            self._apply(hook, body)
        except SlackError as exc:
            status = _STATUS.get(exc.error, 400)
            self._record(body, status, exc.body())
            return web.Response(status=status, text=exc.error)
        self._record(body, 200, {"ok": True})
        return web.Response(text="ok")

    def _record(self, body: dict[str, Any], status: int, answer: dict[str, Any]) -> None:
        self.workspace.record_call(RecordedCall("response_url", dict(body), status, answer))

    def _source(self, hook: ResponseUrl) -> Message | None:
        ts = hook.source_ts or hook.last_posted_ts
        if ts is None:
            return None
        try:
            return self.workspace.message(hook.channel_id, ts)
        except SlackError:
            pass
        try:
            return self.workspace.ephemeral(hook.user_id, ts)
        except SlackError:
            return None

    def _apply(self, hook: ResponseUrl, body: dict[str, Any]) -> None:
        workspace = self.workspace
        if flag(body, "delete_original"):
            source = self._source(hook)
            if source is not None:
                previous = replace(source, replies=list(source.replies))
                workspace.delete(source)
                if source.visible_to is None:
                    self.feed.deleted_later(previous)
            return
        text = str(body.get("text") or "")
        raw_blocks = body.get("blocks")
        blocks = with_ids(raw_blocks) if isinstance(raw_blocks, list) else None
        attachments = body.get("attachments")
        attachments = attachments if isinstance(attachments, list) else None
        if flag(body, "replace_original"):
            source = self._source(hook)
            if source is not None:
                previous = workspace.update(
                    source, text=text, blocks=blocks or [], attachments=attachments or []
                )
                if source.visible_to is None:
                    self.feed.edited_later(source, previous)
                return
        thread_ts = body.get("thread_ts") or hook.thread_ts
        thread_ts = str(thread_ts) if thread_ts else None
        if body.get("response_type") == "in_channel":
            message = workspace.post(
                hook.channel_id,
                user=workspace.bot.id,
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
            )
            self.feed.posted_later(message)
        else:
            message = workspace.post_ephemeral(
                hook.channel_id,
                to_user=hook.user_id,
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
            )
        hook.last_posted_ts = message.ts


def _check(body: dict[str, Any]) -> None:
    """Refuse what Slack's webhook refuses before spending one of the five uses."""
    if flag(body, "delete_original"):
        return
    blocks = body.get("blocks")
    if blocks is not None:
        problems = block_errors(blocks, surface="message")
        if problems:
            raise SlackError("invalid_blocks", errors=problems)
    if not body.get("text") and not blocks and not body.get("attachments"):
        raise SlackError("no_text")
