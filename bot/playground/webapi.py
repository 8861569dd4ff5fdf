"""Slack's Web API (``POST /api/{method}``) over the playground's workspace.

Shapes and error codes follow Slack's so the bot's slack-sdk client cannot tell the difference:
HTTP 200 with ``ok`` true or false, except a rate limit, which is HTTP 429 with Retry-After.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from aiohttp import web

from bot.playground import shapes
from bot.playground.blockkit import TEXT_MAX, block_errors, view_errors, with_ids
from bot.playground.errors import SlackError
from bot.playground.events import EventFeed
from bot.playground.workspace import (
    Message,
    RecordedCall,
    Workspace,
    cursor_ts,
    history_cursor,
    ts_value,
)

Params = dict[str, Any]
Method = Callable[[Params], Awaitable[dict[str, Any]]]
T = TypeVar("T")

# Form-encoded requests carry these as JSON strings; JSON requests may too.
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "metadata": "invalid_metadata_format",
    "view": "invalid_arguments",
    "files": "invalid_arguments",
}
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def invalid_arguments(*problems: str) -> SlackError:
    messages = [f"[ERROR] {problem}" for problem in problems]
    return SlackError("invalid_arguments", response_metadata={"messages": messages})


def _text(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    return str(value)


def _need(params: Params, name: str, error: str | None = None) -> str:
    value = _text(params, name)
    if value is None:
        if error is not None:
            raise SlackError(error)
        raise invalid_arguments(f"missing required field: {name}")
    return value


def flag(params: Params, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return isinstance(value, str) and value.lower() in {"1", "true"}


def _limit(params: Params, default: int, maximum: int = 1000) -> int:
    try:
        limit = int(params.get("limit") or default)
    except (TypeError, ValueError):
        return default
    return default if limit <= 0 else min(limit, maximum)


def _page(items: Sequence[T], params: Params, default: int) -> tuple[list[T], str]:
    """One page of ``items`` and the cursor for the next ("" on the last page)."""
    start = 0
    cursor = _text(params, "cursor")
    if cursor is not None:
        try:
            decoded = base64.b64decode(cursor.encode(), validate=True).decode()
            start = int(decoded.removeprefix("offset:"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise SlackError("invalid_cursor") from exc
    end = start + _limit(params, default)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return list(items[start:end]), next_cursor


async def read_params(request: web.Request) -> Params:
    """Query string, then the body (form or JSON), with JSON-valued fields decoded."""
    params: Params = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise SlackError("invalid_json") from exc
            if not isinstance(body, dict):
                raise SlackError("invalid_json")
            # Slack never reads a token from a JSON body, only from the Authorization header.
            body.pop("token", None)
            params.update(body)
        elif request.content_type in _FORM_TYPES:
            form = await request.post()
            params.update({key: value for key, value in form.items() if isinstance(value, str)})
    for name, error in _JSON_FIELDS.items():
        value = params.get(name)
        if isinstance(value, str):
            if not value.strip():
                params.pop(name)
                continue
            try:
                params[name] = json.loads(value)
            except ValueError as exc:
                raise SlackError(error) from exc
    return params


def _token(request: web.Request, params: Params) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    token = params.pop("token", None)
    return str(token) if token else None


class WebApi:
    def __init__(self, workspace: Workspace, feed: EventFeed, *, bot_token: str) -> None:
        self.workspace = workspace
        self.feed = feed
        self.bot_token = bot_token
        self.methods: dict[str, Method] = {
            "api.test": self.api_test,
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "reactions.add": self.reactions_add,
            "reactions.remove": self.reactions_remove,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "files.info": self.files_info,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "conversations.info": self.conversations_info,
            "conversations.list": self.conversations_list,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.members": self.conversations_members,
            "conversations.join": self.conversations_join,
        }

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
        try:
            method = self.methods.get(method_name)
            if method is None:
                raise SlackError("unknown_method", req_method=method_name)
            params = await read_params(request)
            token = _token(request, params)
            if token is None:
                raise SlackError("not_authed")
            if token != self.bot_token:
                raise SlackError("invalid_auth")
            fault = self.workspace.faults.take(method_name)
            if fault is not None:
                error, retry_after = fault
                if retry_after is not None:
                    status = 429
                    headers["Retry-After"] = str(retry_after)
                raise SlackError(error)
            body = await method(params)
        except SlackError as exc:
            body = exc.body()
        self.workspace.record_call(RecordedCall(method_name, params, status, body))
        return web.json_response(body, status=status, headers=headers)

    # ----- helpers

    def _bot_channel(self, params: Params, name: str = "channel") -> str:
        """The channel named in ``params``; the bot must be in it, as Slack insists."""
        channel = self.workspace.channel(_need(params, name, "channel_not_found"))
        if not self.workspace.is_member(channel.id, self.workspace.bot.id):
            raise SlackError("not_in_channel")
        return channel.id

    def _content(
        self, params: Params, *, required: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None, list[dict[str, Any]] | None, list[str]]:
        """Text, blocks and attachments of a message, checked as Slack checks them."""
        text = _text(params, "text")
        blocks = params.get("blocks")
        attachments = params.get("attachments")
        if blocks is not None:
            problems = block_errors(blocks, surface="message")
            if problems:
                raise SlackError(
                    "invalid_blocks",
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
                )
            blocks = with_ids(blocks)
        if attachments is not None and not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if required and not text and not blocks and not attachments:
            raise SlackError("no_text")
        warnings: list[str] = []
        if text is not None and len(text) > TEXT_MAX:
            text = text[:TEXT_MAX]
            warnings.append("message_truncated")
        return text, blocks, attachments, warnings

    @staticmethod
    def _metadata(params: Params) -> dict[str, Any] | None:
        metadata = params.get("metadata")
        if metadata is None:
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")
        return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}

    def _thread(self, channel_id: str, params: Params) -> str | None:
        thread_ts = _text(params, "thread_ts")
        if thread_ts is not None:
            try:
                self.workspace.message(channel_id, thread_ts)
            except SlackError as exc:
                raise SlackError("thread_not_found") from exc
        return thread_ts

    def _posted(self, channel_id: str, message: Message, warnings: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": True,
            "channel": channel_id,
            "ts": message.ts,
            "message": shapes.message_json(self.workspace, message),
        }
        return _with_warnings(body, warnings)

    # ----- methods

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

    async def chat_post_message(self, params: Params) -> dict[str, Any]:
        channel_id = self._bot_channel(params)
        text, blocks, attachments, warnings = self._content(params)
        message = self.workspace.post(
            channel_id,
            user=self.workspace.bot.id,
            text=text or "",
            blocks=blocks,
            attachments=attachments,
            thread_ts=self._thread(channel_id, params),
            reply_broadcast=flag(params, "reply_broadcast"),
            metadata=self._metadata(params),
        )
        self.feed.posted_later(message)
        return self._posted(channel_id, message, warnings)

    async def chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        channel_id = self._bot_channel(params)
        user = self.workspace.user(_need(params, "user", "user_not_found"))
        if not self.workspace.is_member(channel_id, user.id):
            raise SlackError("user_not_in_channel")
        text, blocks, attachments, warnings = self._content(params)
        message = self.workspace.post_ephemeral(
            channel_id,
            to_user=user.id,
            text=text or "",
            blocks=blocks,
            attachments=attachments,
            thread_ts=_text(params, "thread_ts"),
        )
        return _with_warnings({"ok": True, "message_ts": message.ts}, warnings)

    def _bot_message(self, params: Params, ts_field: str, refusal: str) -> Message:
        channel = self.workspace.channel(_need(params, "channel", "channel_not_found"))
        message = self.workspace.message(channel.id, _need(params, ts_field, "message_not_found"))
        if message.user != self.workspace.bot.id:
            raise SlackError(refusal)
        return message

    async def chat_update(self, params: Params) -> dict[str, Any]:
        message = self._bot_message(params, "ts", "cant_update_message")
        text, blocks, attachments, warnings = self._content(params, required=False)
        if text is None and "blocks" not in params and "attachments" not in params:
            raise SlackError("no_text")
        # Leaving blocks out keeps the old ones; an empty list removes them (Slack's rule).
        previous = self.workspace.update(
            message,
            text=text if text is not None else "",
            blocks=blocks if "blocks" in params else None,
            attachments=attachments if "attachments" in params else None,
            metadata=self._metadata(params),
        )
        self.feed.edited_later(message, previous)
        body = {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": shapes.message_json(self.workspace, message),
        }
        return _with_warnings(body, warnings)

    async def chat_delete(self, params: Params) -> dict[str, Any]:
        message = self._bot_message(params, "ts", "cant_delete_message")
        previous = replace(message, replies=list(message.replies))
        self.workspace.delete(message)
        self.feed.deleted_later(previous)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    async def chat_get_permalink(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(_need(params, "channel", "channel_not_found"))
        ts = _need(params, "message_ts", "message_not_found")
        message = self.workspace.message(channel.id, ts)
        return {
            "ok": True,
            "channel": channel.id,
            "permalink": shapes.permalink(self.workspace, message),
        }

    def _reaction_target(self, params: Params) -> tuple[Message, str]:
        channel = self.workspace.channel(_need(params, "channel", "channel_not_found"))
        ts = _need(params, "timestamp", "no_item_specified")
        name = (_text(params, "name") or "").strip(":")
        if not name:
            raise SlackError("invalid_name")
        return self.workspace.message(channel.id, ts), name

    async def reactions_add(self, params: Params) -> dict[str, Any]:
        message, name = self._reaction_target(params)
        self.workspace.react(message, name, self.workspace.bot.id)
        return {"ok": True}

    async def reactions_remove(self, params: Params) -> dict[str, Any]:
        message, name = self._reaction_target(params)
        self.workspace.unreact(message, name, self.workspace.bot.id)
        return {"ok": True}

    @staticmethod
    def _view_spec(params: Params) -> dict[str, Any]:
        spec = params.get("view")
        if spec is None:
            raise invalid_arguments("missing required field: view")
        problems = view_errors(spec)
        if problems:
            raise invalid_arguments(*problems)
        assert isinstance(spec, dict)
        return {**spec, "blocks": with_ids(spec.get("blocks") or [])}

    async def views_open(self, params: Params) -> dict[str, Any]:
        trigger_id = _need(params, "trigger_id")
        spec = self._view_spec(params)
        trigger = self.workspace.redeem_trigger(trigger_id)
        view = self.workspace.open_view(trigger.user_id, spec)
        return {"ok": True, "view": shapes.view_json(self.workspace, view)}

    async def views_push(self, params: Params) -> dict[str, Any]:
        trigger_id = _need(params, "trigger_id")
        spec = self._view_spec(params)
        trigger = self.workspace.redeem_trigger(trigger_id)
        if len(self.workspace.view_stacks.get(trigger.user_id, [])) >= 3:
            raise SlackError("push_limit_reached")
        view = self.workspace.open_view(trigger.user_id, spec, push=True)
        return {"ok": True, "view": shapes.view_json(self.workspace, view)}

    async def views_update(self, params: Params) -> dict[str, Any]:
        view_id = _text(params, "view_id")
        external_id = _text(params, "external_id")
        if view_id is None and external_id is None:
            raise invalid_arguments("must provide view_id or external_id")
        spec = self._view_spec(params)
        view = self.workspace.find_view(view_id=view_id, external_id=external_id)
        expected = _text(params, "hash")
        if expected is not None and expected != view.hash:
            raise SlackError("hash_conflict")
        self.workspace.replace_view(view, spec)
        return {"ok": True, "view": shapes.view_json(self.workspace, view)}

    async def files_get_upload_url_external(self, params: Params) -> dict[str, Any]:
        filename = _need(params, "filename")
        try:
            length = int(_need(params, "length"))
        except ValueError as exc:
            raise invalid_arguments("length must be a number") from exc
        stored = self.workspace.new_file(
            filename=filename,
            length=length,
            user=self.workspace.bot.id,
            alt_txt=_text(params, "alt_txt") or "",
        )
        return {
            "ok": True,
            "upload_url": f"{self.workspace.public_url}/upload/v1/{stored.upload_key}",
            "file_id": stored.id,
        }

    async def files_complete_upload_external(self, params: Params) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise invalid_arguments("missing required field: files")
        stored_files = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise invalid_arguments("files must be a list of objects with an id")
            stored = self.workspace.file(entry["id"])
            if stored.completed:
                raise SlackError("file_not_found")
            if entry.get("title"):
                stored.title = str(entry["title"])
            stored_files.append(stored)
        channel_ids: list[str] = []
        if _text(params, "channel_id"):
            channel_ids.append(self._bot_channel(params, "channel_id"))
        for ref in (_text(params, "channels") or "").split(","):
            if ref.strip():
                channel_ids.append(self._bot_channel({"channel": ref.strip()}))
        text, blocks, _, warnings = self._content(
            {"text": params.get("initial_comment"), "blocks": params.get("blocks")},
            required=False,
        )
        for channel_id in channel_ids:
            message = self.workspace.post(
                channel_id,
                user=self.workspace.bot.id,
                text=text or "",
                blocks=blocks,
                thread_ts=self._thread(channel_id, params),
                files=[stored.id for stored in stored_files],
            )
            self.feed.posted_later(message)
        for stored in stored_files:
            stored.completed = True
        # Slack shares files in the background, so this answer never says where they went;
        # files.info does, which is how a bot finds the message ts.
        files = [
            {
                **shapes.file_json(self.workspace, stored),
                "channels": [],
                "groups": [],
                "ims": [],
                "shares": {},
            }
            for stored in stored_files
        ]
        return _with_warnings({"ok": True, "files": files}, warnings)

    async def files_info(self, params: Params) -> dict[str, Any]:
        stored = self.workspace.file(_need(params, "file", "file_not_found"))
        return {
            "ok": True,
            "file": {
                **shapes.file_json(self.workspace, stored),
                **shapes.file_shares_json(self.workspace, stored),
            },
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    async def users_info(self, params: Params) -> dict[str, Any]:
        user = self.workspace.user(_need(params, "user", "user_not_found"))
        return {"ok": True, "user": shapes.user_json(self.workspace, user)}

    async def users_list(self, params: Params) -> dict[str, Any]:
        users, next_cursor = _page(list(self.workspace.users.values()), params, 200)
        return {
            "ok": True,
            "members": [shapes.user_json(self.workspace, user) for user in users],
            "cache_ts": int(self.workspace.now()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    async def conversations_info(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(_need(params, "channel", "channel_not_found"))
        body = shapes.channel_json(self.workspace, channel, for_user=self.workspace.bot.id)
        if flag(params, "include_num_members"):
            body["num_members"] = len(channel.members)
        return {"ok": True, "channel": body}

    async def conversations_list(self, params: Params) -> dict[str, Any]:
        wanted = set((_text(params, "types") or "public_channel").split(","))
        channels = [
            channel
            for channel in self.workspace.channels.values()
            if ("private_channel" if channel.is_private else "public_channel") in wanted
            and (not channel.is_private or self.workspace.bot.id in channel.members)
        ]
        page, next_cursor = _page(channels, params, 100)
        return {
            "ok": True,
            "channels": [
                shapes.channel_json(self.workspace, channel, for_user=self.workspace.bot.id)
                for channel in page
            ],
            "response_metadata": {"next_cursor": next_cursor},
        }

    async def conversations_history(self, params: Params) -> dict[str, Any]:
        channel_id = self._bot_channel(params)
        messages = _between(self.workspace.history(channel_id), params)
        messages.reverse()
        cursor = _text(params, "cursor")
        if cursor is not None:
            start = ts_value(cursor_ts(cursor))
            messages = [m for m in messages if ts_value(m.ts) <= start]
        return self._messages_page(messages, params)

    async def conversations_replies(self, params: Params) -> dict[str, Any]:
        channel_id = self._bot_channel(params)
        ts = _need(params, "ts", "thread_not_found")
        parent, *replies = self.workspace.thread(channel_id, ts)
        replies = _between(replies, params)
        cursor = _text(params, "cursor")
        if cursor is not None:
            start = ts_value(cursor_ts(cursor))
            thread = [m for m in replies if ts_value(m.ts) >= start]
        else:
            thread = [parent, *replies]
        return self._messages_page(thread, params)

    def _messages_page(self, messages: list[Message], params: Params) -> dict[str, Any]:
        limit = _limit(params, 100, 999)
        page, rest = messages[:limit], messages[limit:]
        metadata = flag(params, "include_all_metadata")
        body: dict[str, Any] = {
            "ok": True,
            "messages": [
                shapes.message_json(self.workspace, m, include_metadata=metadata) for m in page
            ],
            "has_more": bool(rest),
            "pin_count": 0,
        }
        if rest:
            body["response_metadata"] = {"next_cursor": history_cursor(rest[0].ts)}
        return body

    async def conversations_members(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(_need(params, "channel", "channel_not_found"))
        members, next_cursor = _page(channel.members, params, 100)
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": next_cursor}}

    async def conversations_join(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(_need(params, "channel", "channel_not_found"))
        bot = self.workspace.bot
        body: dict[str, Any] = {"ok": True}
        if self.workspace.join(channel.id, bot.id):
            notice = self.workspace.post(
                channel.id,
                user=bot.id,
                text=f"<@{bot.id}> has joined the channel",
                subtype="channel_join",
            )
            self.feed.posted_later(notice)
        else:
            body["warning"] = "already_in_channel"
            body["response_metadata"] = {"warnings": ["already_in_channel"]}
        body["channel"] = shapes.channel_json(self.workspace, channel, for_user=bot.id)
        return body


def _between(messages: list[Message], params: Params) -> list[Message]:
    """Messages inside ``oldest``/``latest``, ends excluded unless ``inclusive`` is set."""
    oldest = ts_value(_text(params, "oldest") or "0")
    latest_text = _text(params, "latest")
    latest = ts_value(latest_text) if latest_text is not None else None
    inclusive = flag(params, "inclusive")
    kept = []
    for message in messages:
        value = ts_value(message.ts)
        after = value >= oldest if inclusive else value > oldest
        before = latest is None or (value <= latest if inclusive else value < latest)
        if after and before:
            kept.append(message)
    return kept


def _with_warnings(body: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    if warnings:
        body["warning"] = ",".join(warnings)
        body["response_metadata"] = {"warnings": warnings}
    return body
