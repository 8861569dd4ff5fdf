"""``conversations.*`` and ``users.*``: channels, their history and threads, members and people."""

from __future__ import annotations

from typing import Any

from playground import shapes
from playground.methods import MethodGroup
from playground.params import Method, Params, flag, need, one_page, optional, page_size
from playground.records import Message, cursor_ts, history_cursor, ts_value


class ConversationMethods(MethodGroup):
    def table(self) -> dict[str, Method]:
        return {
            "users.info": self.users_info,
            "users.list": self.users_list,
            "conversations.info": self.conversations_info,
            "conversations.list": self.conversations_list,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.members": self.conversations_members,
            "conversations.join": self.conversations_join,
        }

    async def users_info(self, params: Params) -> dict[str, Any]:
        user = self.workspace.user(need(params, "user", "user_not_found"))
        return {"ok": True, "user": shapes.user_json(self.workspace, user)}

    async def users_list(self, params: Params) -> dict[str, Any]:
        users, next_cursor = one_page(list(self.workspace.users.values()), params, 200)
        return {
            "ok": True,
            "members": [shapes.user_json(self.workspace, user) for user in users],
            "cache_ts": int(self.workspace.now()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    async def conversations_info(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(need(params, "channel", "channel_not_found"))
        body = shapes.channel_json(self.workspace, channel, for_user=self.workspace.bot.id)
        if flag(params, "include_num_members"):
            body["num_members"] = len(channel.members)
        return {"ok": True, "channel": body}

    async def conversations_list(self, params: Params) -> dict[str, Any]:
        wanted = set((optional(params, "types") or "public_channel").split(","))
        channels = [
            channel
            for channel in self.workspace.channels.values()
            if ("private_channel" if channel.is_private else "public_channel") in wanted
            and (not channel.is_private or self.workspace.bot.id in channel.members)
        ]
        page, next_cursor = one_page(channels, params, 100)
        return {
            "ok": True,
            "channels": [
                shapes.channel_json(self.workspace, channel, for_user=self.workspace.bot.id)
                for channel in page
            ],
            "response_metadata": {"next_cursor": next_cursor},
        }

    async def conversations_history(self, params: Params) -> dict[str, Any]:
        channel_id = self.bot_channel(params)
        messages = _between(self.workspace.history(channel_id), params)
        messages.reverse()
        cursor = optional(params, "cursor")
        if cursor is not None:
            start = ts_value(cursor_ts(cursor))
            messages = [m for m in messages if ts_value(m.ts) <= start]
        return self._messagespage(messages, params)

    async def conversations_replies(self, params: Params) -> dict[str, Any]:
        channel_id = self.bot_channel(params)
        ts = need(params, "ts", "thread_not_found")
        parent, *replies = self.workspace.thread(channel_id, ts)
        replies = _between(replies, params)
        cursor = optional(params, "cursor")
        if cursor is not None:
            start = ts_value(cursor_ts(cursor))
            thread = [m for m in replies if ts_value(m.ts) >= start]
        else:
            thread = [parent, *replies]
        return self._messagespage(thread, params)

    def _messagespage(self, messages: list[Message], params: Params) -> dict[str, Any]:
        limit = page_size(params, 100, 999)
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
        channel = self.workspace.channel(need(params, "channel", "channel_not_found"))
        members, next_cursor = one_page(channel.members, params, 100)
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": next_cursor}}

    async def conversations_join(self, params: Params) -> dict[str, Any]:
        channel = self.workspace.channel(need(params, "channel", "channel_not_found"))
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
    oldest = ts_value(optional(params, "oldest") or "0")
    latest_text = optional(params, "latest")
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
