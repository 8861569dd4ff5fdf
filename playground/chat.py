"""``chat.*`` and ``reactions.*``: posting, changing and deleting messages, and reacting."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from playground import shapes
from playground.errors import SlackError
from playground.methods import MethodGroup
from playground.params import Method, Params, flag, need, optional, with_warnings
from playground.records import Message


class ChatMethods(MethodGroup):
    def table(self) -> dict[str, Method]:
        return {
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "reactions.add": self.reactions_add,
            "reactions.remove": self.reactions_remove,
        }

    async def chat_post_message(self, params: Params) -> dict[str, Any]:
        channel_id = self.bot_channel(params)
        text, blocks, attachments, warnings = self.content(params)
        message = self.workspace.post(
            channel_id,
            user=self.workspace.bot.id,
            text=text or "",
            blocks=blocks,
            attachments=attachments,
            thread_ts=self.thread(channel_id, params),
            reply_broadcast=flag(params, "reply_broadcast"),
            metadata=self.metadata(params),
        )
        self.feed.posted_later(message)
        return self.posted(channel_id, message, warnings)

    async def chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        channel_id = self.bot_channel(params)
        user = self.workspace.user(need(params, "user", "user_not_found"))
        if not self.workspace.is_member(channel_id, user.id):
            raise SlackError("user_not_in_channel")
        text, blocks, attachments, warnings = self.content(params)
        message = self.workspace.post_ephemeral(
            channel_id,
            to_user=user.id,
            text=text or "",
            blocks=blocks,
            attachments=attachments,
            thread_ts=optional(params, "thread_ts"),
        )
        return with_warnings({"ok": True, "message_ts": message.ts}, warnings)

    def _bot_message(self, params: Params, ts_field: str, refusal: str) -> Message:
        channel = self.workspace.channel(need(params, "channel", "channel_not_found"))
        message = self.workspace.message(channel.id, need(params, ts_field, "message_not_found"))
        if message.subtype == "tombstone":  # deleted, its thread kept: nothing to change
            raise SlackError("message_not_found")
        if message.user != self.workspace.bot.id:
            raise SlackError(refusal)
        return message

    async def chat_update(self, params: Params) -> dict[str, Any]:
        message = self._bot_message(params, "ts", "cant_update_message")
        text, blocks, attachments, warnings = self.content(params, required=False)
        if text is None and "blocks" not in params and "attachments" not in params:
            raise SlackError("no_text")
        # Leaving blocks out keeps the old ones; an empty list removes them (Slack's rule).
        previous = self.workspace.update(
            message,
            text=text if text is not None else "",
            blocks=blocks if "blocks" in params else None,
            attachments=attachments if "attachments" in params else None,
            metadata=self.metadata(params),
            # Slack marks the message edited, and its page says "(edited)" beside it.
            edited_by=self.workspace.bot.id,
        )
        self.feed.edited_later(message, previous)
        body = {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": shapes.message_json(self.workspace, message),
        }
        return with_warnings(body, warnings)

    async def chat_delete(self, params: Params) -> dict[str, Any]:
        message = self._bot_message(params, "ts", "cant_delete_message")
        previous = replace(message, replies=list(message.replies))
        self.workspace.delete(message)
        self.feed.deleted_later(previous)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    async def chat_get_permalink(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(need(params, "channel", "channel_not_found"))
        ts = need(params, "message_ts", "message_not_found")
        message = self.workspace.message(channel.id, ts)
        return {
            "ok": True,
            "channel": channel.id,
            "permalink": shapes.permalink(self.workspace, message),
        }

    def _reaction_target(self, params: Params) -> tuple[Message, str]:
        channel = self.workspace.channel(need(params, "channel", "channel_not_found"))
        ts = need(params, "timestamp", "no_item_specified")
        name = (optional(params, "name") or "").strip(":")
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
