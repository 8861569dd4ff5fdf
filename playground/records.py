"""The playground's records in Slack's own shapes: people, channels, messages, files, modals,
response URLs, and what it noted down (calls, deliveries, changes); and the ids and timestamps
Slack gives them."""

from __future__ import annotations

import base64
import re
import secrets
import string
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from playground.errors import SlackError

_ID_ALPHABET = string.ascii_uppercase + string.digits


def ts_value(ts: str) -> Decimal:
    """A ts as a number, so ``"9.000001" < "10.000000"`` compares the way Slack means it."""
    try:
        return Decimal(ts)
    except InvalidOperation as exc:
        raise SlackError("invalid_ts_latest", message=f"{ts!r} is not a timestamp") from exc


def handle_for(name: str) -> str:
    """The lower-case username Slack derives from a display name (``Amira Khan`` -> amira.khan)."""
    return re.sub(r"[^a-z0-9._-]+", ".", name.lower()).strip(".") or "user"


@dataclass
class User:
    id: str
    name: str
    title: str = ""
    is_admin: bool = False
    is_bot: bool = False
    tz: str = "Europe/London"

    @property
    def handle(self) -> str:
        return handle_for(self.name)


@dataclass
class Channel:
    id: str
    name: str
    topic: str = ""
    purpose: str = ""
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    created: int = 0


@dataclass
class Reaction:
    name: str
    users: list[str] = field(default_factory=list)


@dataclass
class Message:
    """One message, ephemeral or not. ``visible_to`` marks an ephemeral one and names its reader."""

    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    parent_user_id: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    client_msg_id: str | None = None
    files: list[str] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    edited: dict[str, str] | None = None
    visible_to: str | None = None
    replies: list[str] = field(default_factory=list)
    hidden: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class StoredFile:
    id: str
    name: str
    title: str
    user: str
    created: int
    upload_key: str
    length: int
    alt_txt: str = ""
    content: bytes | None = None
    mimetype: str = "application/octet-stream"
    completed: bool = False
    # channel id -> ts of the messages the file was shared in
    shares: dict[str, list[str]] = field(default_factory=dict)
    thread_shares: dict[str, str] = field(default_factory=dict)

    @property
    def filetype(self) -> str:
        suffix = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""
        return suffix or "binary"

    @property
    def is_image(self) -> bool:
        return self.mimetype.startswith("image/")


@dataclass
class OpenView:
    id: str
    user_id: str
    spec: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    values: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Trigger:
    id: str
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    """What a ``response_url`` is bound to: one person, one channel, maybe the message clicked."""

    token: str
    user_id: str
    channel_id: str
    issued_at: float
    source_ts: str | None = None
    source_is_ephemeral: bool = False
    thread_ts: str | None = None
    uses: int = 0
    last_posted_ts: str | None = None


@dataclass
class Notice:
    """Something the playground itself tells one person, such as the bot not answering."""

    user_id: str
    channel_id: str
    ts: str
    text: str


@dataclass
class RecordedCall:
    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class DeliveryRecord:
    """One signed request sent to the bot and what it answered."""

    kind: str
    payload: dict[str, Any]
    status: int | None = None
    body: str = ""
    content_type: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Change:
    """A hint that something a page may be showing has changed; the page fetches the rest."""

    kind: str
    channel_id: str | None = None
    user_id: str | None = None


def new_id(prefix: str) -> str:
    """A Slack-looking id: the type letter and ten upper-case letters and digits."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def view_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"


def history_cursor(ts: str) -> str:
    """Slack's opaque cursor: base64 of ``next_ts:<ts>``."""
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def cursor_ts(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise SlackError("invalid_cursor") from exc
    if not decoded.startswith("next_ts:"):
        raise SlackError("invalid_cursor")
    return decoded.removeprefix("next_ts:")
