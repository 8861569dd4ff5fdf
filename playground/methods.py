"""What every group of Web API methods shares: the workspace, the event feed, and Slack's
checks on a message's channel, content, metadata and thread."""

from __future__ import annotations

from typing import Any

from playground import shapes
from playground.blockkit import TEXT_MAX, block_errors, with_ids
from playground.errors import SlackError
from playground.events import EventFeed
from playground.params import Method, Params, need, optional, with_warnings
from playground.records import Message
from playground.workspace import Workspace


class MethodGroup:
    def __init__(self, workspace: Workspace, feed: EventFeed) -> None:
        self.workspace = workspace
        self.feed = feed

    def table(self) -> dict[str, Method]:
        """The Web API methods this group answers, by name."""
        raise NotImplementedError

    def bot_channel(self, params: Params, name: str = "channel") -> str:
        """The channel named in ``params``; the bot must be in it, as Slack insists."""
        channel = self.workspace.channel(need(params, name, "channel_not_found"))
        if not self.workspace.is_member(channel.id, self.workspace.bot.id):
            raise SlackError("not_in_channel")
        return channel.id

    def content(
        self, params: Params, *, required: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None, list[dict[str, Any]] | None, list[str]]:
        """Text, blocks and attachments of a message, checked as Slack checks them."""
        text = optional(params, "text")
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
    def metadata(params: Params) -> dict[str, Any] | None:
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

    def thread(self, channel_id: str, params: Params) -> str | None:
        thread_ts = optional(params, "thread_ts")
        if thread_ts is not None:
            try:
                self.workspace.message(channel_id, thread_ts)
            except SlackError as exc:
                raise SlackError("thread_not_found") from exc
        return thread_ts

    def posted(self, channel_id: str, message: Message, warnings: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": True,
            "channel": channel_id,
            "ts": message.ts,
            "message": shapes.message_json(self.workspace, message),
        }
        return with_warnings(body, warnings)
