"""``files.*``: files upload v2 (an upload URL, then completing it, shared or not) and
``files.info``."""

from __future__ import annotations

from typing import Any

from playground import shapes
from playground.errors import SlackError
from playground.methods import MethodGroup
from playground.params import Method, Params, invalid_arguments, need, optional, with_warnings


class FileMethods(MethodGroup):
    def table(self) -> dict[str, Method]:
        return {
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "files.info": self.files_info,
        }

    async def files_get_upload_url_external(self, params: Params) -> dict[str, Any]:
        filename = need(params, "filename")
        try:
            length = int(need(params, "length"))
        except ValueError as exc:
            raise invalid_arguments("length must be a number") from exc
        stored = self.workspace.new_file(
            filename=filename,
            length=length,
            user=self.workspace.bot.id,
            alt_txt=optional(params, "alt_txt") or "",
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
        if optional(params, "channel_id"):
            channel_ids.append(self.bot_channel(params, "channel_id"))
        for ref in (optional(params, "channels") or "").split(","):
            if ref.strip():
                channel_ids.append(self.bot_channel({"channel": ref.strip()}))
        text, blocks, _, warnings = self.content(
            {"text": params.get("initial_comment"), "blocks": params.get("blocks")},
            required=False,
        )
        for channel_id in channel_ids:
            message = self.workspace.post(
                channel_id,
                user=self.workspace.bot.id,
                text=text or "",
                blocks=blocks,
                thread_ts=self.thread(channel_id, params),
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
        return with_warnings({"ok": True, "files": files}, warnings)

    async def files_info(self, params: Params) -> dict[str, Any]:
        stored = self.workspace.file(need(params, "file", "file_not_found"))
        return {
            "ok": True,
            "file": {
                **shapes.file_json(self.workspace, stored),
                **shapes.file_shares_json(self.workspace, stored),
            },
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }
