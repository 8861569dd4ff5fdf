"""The workspace's things in Slack's own JSON shapes, as the Web API and Events API show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playground.records import Channel, Message, OpenView, StoredFile, User
from playground.workspace import Workspace


def message_json(
    workspace: Workspace, message: Message, *, include_metadata: bool = True
) -> dict[str, Any]:
    """The message as the Web API and the Events API show it."""
    body: dict[str, Any] = {"type": "message", "ts": message.ts}
    if message.subtype:
        body["subtype"] = message.subtype
    if message.hidden:
        body["hidden"] = True
    body["user"] = message.user
    body["text"] = message.text
    if message.subtype != "tombstone":
        body["team"] = workspace.team_id
    if message.client_msg_id:
        body["client_msg_id"] = message.client_msg_id
    if message.bot_id:
        body["bot_id"] = message.bot_id
        body["app_id"] = message.app_id
        body["bot_profile"] = _bot_profile(workspace)
    if message.blocks is not None:
        body["blocks"] = message.blocks
    if message.attachments is not None:
        body["attachments"] = message.attachments
    if message.files:
        body["files"] = [
            file_json(workspace, workspace.files[file_id]) for file_id in message.files
        ]
        body["upload"] = False
        body["display_as_bot"] = False
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
    if message.is_reply:
        body["parent_user_id"] = message.parent_user_id
    if message.replies:
        reply_users = _reply_users(workspace, message)
        body["reply_count"] = len(message.replies)
        body["reply_users_count"] = len(reply_users)
        body["latest_reply"] = message.replies[-1]
        body["reply_users"] = reply_users
        body["is_locked"] = False
        body["subscribed"] = False
    if message.reactions:
        body["reactions"] = [
            {"name": r.name, "users": list(r.users), "count": len(r.users)}
            for r in message.reactions
        ]
    if message.edited:
        body["edited"] = dict(message.edited)
    if message.metadata is not None and include_metadata:
        body["metadata"] = message.metadata
    if message.subtype == "thread_broadcast" and message.thread_ts:
        root = workspace.message(message.channel, message.thread_ts)
        body["root"] = message_json(workspace, root, include_metadata=include_metadata)
    if message.visible_to:
        body["is_ephemeral"] = True
    return body


def _reply_users(workspace: Workspace, parent: Message) -> list[str]:
    users: list[str] = []
    for ts in parent.replies:
        author = workspace.message(parent.channel, ts).user
        if author not in users:
            users.append(author)
    return users


def _bot_profile(workspace: Workspace) -> dict[str, Any]:
    return {
        "id": workspace.bot_id,
        "app_id": workspace.app_id,
        "name": workspace.bot.name,
        "deleted": False,
        "updated": int(workspace.now()),
        "team_id": workspace.team_id,
        "icons": {},
    }


def user_json(workspace: Workspace, user: User) -> dict[str, Any]:
    zone = workspace.time_zone(user)
    offset = datetime.fromtimestamp(workspace.now(), zone).utcoffset()
    profile: dict[str, Any] = {
        "title": user.title,
        "real_name": user.name,
        "real_name_normalized": user.name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "first_name": user.name.split(" ")[0],
        "last_name": " ".join(user.name.split(" ")[1:]),
        "team": workspace.team_id,
    }
    if user.is_bot:
        profile["bot_id"] = workspace.bot_id
        profile["api_app_id"] = workspace.app_id
    return {
        "id": user.id,
        "team_id": workspace.team_id,
        "name": user.handle,
        "deleted": False,
        "real_name": user.name,
        "tz": zone.key,
        "tz_label": datetime.fromtimestamp(workspace.now(), zone).tzname(),
        "tz_offset": int(offset.total_seconds()) if offset else 0,
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": int(workspace.now()),
    }


def channel_json(workspace: Workspace, channel: Channel, *, for_user: str) -> dict[str, Any]:
    return {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": False,
        "is_general": channel.name == "general",
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "context_team_id": workspace.team_id,
        "creator": workspace.bot.id,
        "is_member": for_user in channel.members,
        "topic": {"value": channel.topic, "creator": "", "last_set": 0},
        "purpose": {"value": channel.purpose, "creator": "", "last_set": 0},
    }


def file_json(workspace: Workspace, stored: StoredFile) -> dict[str, Any]:
    url = f"{workspace.public_url}/files/{stored.id}/{stored.name}"
    body: dict[str, Any] = {
        "id": stored.id,
        "created": stored.created,
        "timestamp": stored.created,
        "name": stored.name,
        "title": stored.title,
        "mimetype": stored.mimetype,
        "filetype": stored.filetype,
        "pretty_type": stored.filetype.upper(),
        "user": stored.user,
        "user_team": workspace.team_id,
        "editable": False,
        "size": len(stored.content or b""),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": any(
            not workspace.channels[channel].is_private
            for channel in stored.shares
            if channel in workspace.channels
        ),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": url,
        "url_private_download": f"{url}?download=1",
        "permalink": url,
        "permalink_public": url,
        "has_rich_preview": False,
        "file_access": "visible",
        "comments_count": 0,
    }
    if stored.alt_txt:
        body["alt_txt"] = stored.alt_txt
    size = _image_size(stored.content or b"")
    if size is not None:
        body["original_w"], body["original_h"] = size
    return body


def file_shares_json(workspace: Workspace, stored: StoredFile) -> dict[str, Any]:
    """``channels`` and ``shares`` as ``files.info`` reports them once sharing is done."""
    public: dict[str, list[dict[str, Any]]] = {}
    private: dict[str, list[dict[str, Any]]] = {}
    for channel_id, timestamps in stored.shares.items():
        channel = workspace.channels[channel_id]
        entries = []
        for ts in timestamps:
            entry: dict[str, Any] = {
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "ts": ts,
                "channel_name": channel.name,
                "team_id": workspace.team_id,
                "share_user_id": stored.user,
                "source": "UNKNOWN",
                "is_silent_share": False,
            }
            if ts in stored.thread_shares:
                entry["thread_ts"] = stored.thread_shares[ts]
            entries.append(entry)
        (private if channel.is_private else public)[channel_id] = entries
    shares: dict[str, Any] = {}
    if public:
        shares["public"] = public
    if private:
        shares["private"] = private
    return {
        "channels": [c for c in stored.shares if not workspace.channels[c].is_private],
        "groups": [c for c in stored.shares if workspace.channels[c].is_private],
        "ims": [],
        "shares": shares,
    }


def view_json(workspace: Workspace, view: OpenView) -> dict[str, Any]:
    spec = view.spec
    return {
        "id": view.id,
        "team_id": workspace.team_id,
        "type": spec.get("type", "modal"),
        "blocks": spec.get("blocks", []),
        "private_metadata": spec.get("private_metadata", ""),
        "callback_id": spec.get("callback_id", ""),
        "state": {"values": view.values},
        "hash": view.hash,
        "title": spec.get("title"),
        "clear_on_close": bool(spec.get("clear_on_close", False)),
        "notify_on_close": bool(spec.get("notify_on_close", False)),
        "close": spec.get("close"),
        "submit": spec.get("submit"),
        "previous_view_id": view.previous_view_id,
        "root_view_id": view.root_view_id,
        "app_id": workspace.app_id,
        "external_id": spec.get("external_id", ""),
        "app_installed_team_id": workspace.team_id,
        "bot_id": workspace.bot_id,
    }


def permalink(workspace: Workspace, message: Message) -> str:
    link = f"{workspace.public_url}/archives/{message.channel}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
    return link


def _image_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, which is what the bot's charts are."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or len(content) < 24:
        return None
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
