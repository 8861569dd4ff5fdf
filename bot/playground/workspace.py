"""The playground's in-memory Slack workspace: people, channels, messages, files, modals.

Everything the Web API, the browser page and the tests see lives here, in Slack's own shapes. It
knows nothing about HTTP; the routes in ``webapi``, ``ui`` and friends translate to and from it.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import re
import secrets
import string
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.playground.errors import SlackError

Clock = Callable[[], float]

# Slack gives a trigger_id about three seconds to be exchanged for a modal.
TRIGGER_TTL_SECONDS = 3.0
# A response_url takes five posts within thirty minutes.
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60

_ID_ALPHABET = string.ascii_uppercase + string.digits
_SLACKBOT = "USLACKBOT"


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


@dataclass
class _Fault:
    error: str
    remaining: int
    retry_after: int | None = None


class Faults:
    """Failures a test asks for: the next N calls of a method rate limited, or failing."""

    def __init__(self) -> None:
        self._faults: dict[str, list[_Fault]] = {}

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        self._faults.setdefault(method, []).append(_Fault("ratelimited", times, retry_after))

    def fail_next(self, method: str, error: str, *, times: int = 1) -> None:
        self._faults.setdefault(method, []).append(_Fault(error, times))

    def take(self, method: str) -> tuple[str, int | None] | None:
        """The fault for this call of ``method``, if one is queued, used up as it is taken."""
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault.error, fault.retry_after


class Workspace:
    """A Slack workspace with one bot installed, held in memory for the life of the process."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        bot: User,
        bot_id: str,
        app_id: str,
        clock: Clock = time.time,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.domain = re.sub(r"[^a-z0-9-]+", "-", team_name.lower()).strip("-") or "playground"
        self.bot = bot
        self.bot_id = bot_id
        self.app_id = app_id
        self.clock = clock
        # Set by whoever serves the playground; links in messages and files point here.
        self.public_url = "http://127.0.0.1"
        self.users: dict[str, User] = {bot.id: bot}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, StoredFile] = {}
        self.views: dict[str, OpenView] = {}
        self.view_stacks: dict[str, list[str]] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.notices: list[Notice] = []
        self.calls: list[RecordedCall] = []
        self.deliveries: list[DeliveryRecord] = []
        self.faults = Faults()
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Message] = []
        self._last_micros = 0
        self._subscribers: set[asyncio.Queue[Change | None]] = set()

    @classmethod
    def seed(
        cls,
        *,
        team_name: str,
        bot: User,
        users: Sequence[User],
        channels: Sequence[Channel],
        team_id: str | None = None,
        clock: Clock = time.time,
    ) -> Workspace:
        """A workspace with these people and channels and the bot in every channel.

        A channel seeded with no members gets everybody; otherwise its members plus the bot.
        """
        workspace = cls(
            team_id=team_id or new_id("T"),
            team_name=team_name,
            bot=replace(bot, is_bot=True),
            bot_id=new_id("B"),
            app_id=new_id("A"),
            clock=clock,
        )
        for user in users:
            workspace.add_user(user)
        everyone = [user.id for user in users]
        for channel in channels:
            workspace.add_channel(replace(channel, members=list(channel.members) or everyone))
        return workspace

    def add_user(self, user: User) -> User:
        added = replace(user)
        self.users[added.id] = added
        self.changed(Change("users"))
        return added

    def add_channel(self, channel: Channel, *, with_bot: bool = True) -> Channel:
        """Add a channel with the given members (and the bot, unless ``with_bot`` is False)."""
        members = list(channel.members)
        if with_bot and self.bot.id not in members:
            members.append(self.bot.id)
        added = replace(channel, members=members, created=channel.created or int(self.now()))
        self.channels[added.id] = added
        self._messages.setdefault(added.id, [])
        self.changed(Change("channel", channel_id=added.id))
        return added

    # ----- ids, time and lookups

    def next_ts(self) -> str:
        """A fresh ts: ``"<seconds>.<6 digits>"``, strictly later than every ts before it."""
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def now(self) -> float:
        return self.clock()

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found", message=f"There is nobody with the id {user_id}.")
        return user

    def channel(self, ref: str) -> Channel:
        """The channel with this id or name (``#general`` or ``general``, as Slack accepts)."""
        found = self.channels.get(ref)
        if found is not None:
            return found
        name = ref.removeprefix("#")
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise SlackError("channel_not_found", message=f"There is no channel called {ref}.")

    def is_member(self, channel_id: str, user_id: str) -> bool:
        channel = self.channels.get(channel_id)
        return channel is not None and user_id in channel.members

    def time_zone(self, user: User) -> ZoneInfo:
        try:
            return ZoneInfo(user.tz)
        except ZoneInfoNotFoundError:
            return ZoneInfo("UTC")

    # ----- messages

    def post(
        self,
        channel_id: str,
        *,
        user: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        metadata: dict[str, Any] | None = None,
        files: Iterable[str] = (),
        subtype: str | None = None,
        client_msg_id: str | None = None,
    ) -> Message:
        """Add a message to a channel (or a thread in it) and tell the subscribers."""
        channel = self.channel(channel_id)
        parent: Message | None = None
        if thread_ts is not None:
            parent = self.message(channel.id, thread_ts)
            if parent.is_reply:
                # Slack files a reply to a reply under the thread's parent.
                assert parent.thread_ts is not None
                parent = self.message(channel.id, parent.thread_ts)
        from_bot = user == self.bot.id
        message = Message(
            channel=channel.id,
            ts=self.next_ts(),
            user=user,
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=parent.ts if parent else None,
            parent_user_id=parent.user if parent else None,
            subtype=subtype or ("thread_broadcast" if parent and reply_broadcast else None),
            bot_id=self.bot_id if from_bot else None,
            app_id=self.app_id if from_bot else None,
            client_msg_id=client_msg_id,
            files=list(files),
            metadata=metadata,
        )
        if parent is not None:
            parent.thread_ts = parent.ts
            parent.replies.append(message.ts)
        self._messages[channel.id].append(message)
        for file_id in message.files:
            stored = self.files[file_id]
            stored.shares.setdefault(channel.id, []).append(message.ts)
            if message.thread_ts:
                stored.thread_shares[message.ts] = message.thread_ts
        self.changed(Change("message", channel_id=channel.id))
        return message

    def post_ephemeral(
        self,
        channel_id: str,
        *,
        to_user: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        from_user: str | None = None,
    ) -> Message:
        """An ephemeral message only ``to_user`` sees, by default from the bot."""
        channel = self.channel(channel_id)
        author = from_user or self.bot.id
        message = Message(
            channel=channel.id,
            ts=self.next_ts(),
            user=author,
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=thread_ts,
            bot_id=self.bot_id if author == self.bot.id else None,
            app_id=self.app_id if author == self.bot.id else None,
            visible_to=to_user,
        )
        self._ephemerals.append(message)
        self.changed(Change("ephemeral", channel_id=channel.id, user_id=to_user))
        return message

    def message(self, channel_id: str, ts: str) -> Message:
        for message in self._messages.get(channel_id, []):
            if message.ts == ts:
                return message
        raise SlackError("message_not_found", message="That message no longer exists.")

    def ephemeral(self, user_id: str, ts: str) -> Message:
        for message in self._ephemerals:
            if message.ts == ts and message.visible_to == user_id:
                return message
        raise SlackError("message_not_found", message="That message is no longer there.")

    def all_messages(self, channel_id: str) -> list[Message]:
        """Every non-ephemeral message in the channel, replies included, oldest first."""
        return list(self._messages.get(self.channel(channel_id).id, []))

    def history(self, channel_id: str) -> list[Message]:
        """What the channel shows: parents and broadcasts, not thread replies; oldest first."""
        return [
            message
            for message in self._messages.get(self.channel(channel_id).id, [])
            if not message.is_reply or message.subtype == "thread_broadcast"
        ]

    def thread(self, channel_id: str, ts: str) -> list[Message]:
        """The parent and its replies, oldest first."""
        try:
            start = self.message(channel_id, ts)
        except SlackError as exc:
            raise SlackError("thread_not_found") from exc
        parent = self.message(channel_id, start.thread_ts) if start.thread_ts else start
        replies = [self.message(channel_id, reply) for reply in parent.replies]
        return [parent, *replies]

    def ephemerals(self, user_id: str, channel_id: str) -> list[Message]:
        return [
            message
            for message in self._ephemerals
            if message.visible_to == user_id and message.channel == channel_id
        ]

    def update(
        self,
        message: Message,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        edited_by: str | None = None,
    ) -> Message:
        """Change a message in place and return a copy of how it looked before."""
        previous = replace(message, reactions=list(message.reactions))
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks or None
        if attachments is not None:
            message.attachments = attachments or None
        if metadata is not None:
            message.metadata = metadata
        if edited_by is not None:
            message.edited = {"user": edited_by, "ts": self.next_ts()}
        self.changed(Change("message", channel_id=message.channel, user_id=message.visible_to))
        return previous

    def delete(self, message: Message) -> None:
        """Remove a message; a parent with replies stays as Slack's "This message was deleted."."""
        if message.visible_to is not None:
            self._ephemerals.remove(message)
            self.changed(Change("ephemeral", message.channel, message.visible_to))
            return
        if message.replies:
            message.subtype = "tombstone"
            message.user = _SLACKBOT
            message.text = "This message was deleted."
            message.blocks = None
            message.attachments = None
            message.files = []
            message.reactions = []
            message.metadata = None
            message.bot_id = None
            message.app_id = None
            message.hidden = True
        else:
            self._messages[message.channel].remove(message)
            if message.is_reply:
                assert message.thread_ts is not None
                parent = self.message(message.channel, message.thread_ts)
                parent.replies.remove(message.ts)
        self.changed(Change("message", channel_id=message.channel))

    def react(self, message: Message, name: str, user_id: str) -> None:
        for reaction in message.reactions:
            if reaction.name == name:
                if user_id in reaction.users:
                    raise SlackError("already_reacted")
                reaction.users.append(user_id)
                break
        else:
            message.reactions.append(Reaction(name, [user_id]))
        self.changed(Change("reaction", channel_id=message.channel))

    def unreact(self, message: Message, name: str, user_id: str) -> None:
        for reaction in message.reactions:
            if reaction.name == name and user_id in reaction.users:
                reaction.users.remove(user_id)
                if not reaction.users:
                    message.reactions.remove(reaction)
                self.changed(Change("reaction", channel_id=message.channel))
                return
        raise SlackError("no_reaction")

    def join(self, channel_id: str, user_id: str) -> bool:
        """Add someone to a channel; False when they were already in it."""
        channel = self.channel(channel_id)
        if user_id in channel.members:
            return False
        channel.members.append(user_id)
        self.changed(Change("channel", channel_id=channel.id))
        return True

    # ----- files

    def new_file(self, *, filename: str, length: int, user: str, alt_txt: str = "") -> StoredFile:
        stored = StoredFile(
            id=new_id("F"),
            name=filename,
            title=filename,
            user=user,
            created=int(self.now()),
            upload_key=secrets.token_urlsafe(16),
            length=length,
            alt_txt=alt_txt,
            mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        )
        self.files[stored.id] = stored
        return stored

    def file_for_upload(self, upload_key: str) -> StoredFile | None:
        for stored in self.files.values():
            if stored.upload_key == upload_key:
                return stored
        return None

    def file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None or stored.content is None:
            raise SlackError("file_not_found")
        return stored

    # ----- modals

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = (
            f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        )
        self.triggers[trigger_id] = Trigger(trigger_id, user_id, self.now())
        return trigger_id

    def redeem_trigger(self, trigger_id: str) -> Trigger:
        """Use a trigger_id once, the way ``views.open`` does, or fail with Slack's error."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.now() - trigger.issued_at > TRIGGER_TTL_SECONDS:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def open_view(self, user_id: str, spec: dict[str, Any], *, push: bool = False) -> OpenView:
        stack = self.view_stacks.setdefault(user_id, [])
        if not push:
            for view_id in stack:
                self.views.pop(view_id, None)
            stack.clear()
        view_id = new_id("V")
        view = OpenView(
            id=view_id,
            user_id=user_id,
            spec=spec,
            hash=_view_hash(),
            root_view_id=stack[0] if stack else view_id,
            previous_view_id=stack[-1] if stack else None,
        )
        self.views[view_id] = view
        stack.append(view_id)
        self.changed(Change("view", user_id=user_id))
        return view

    def find_view(self, *, view_id: str | None = None, external_id: str | None = None) -> OpenView:
        if view_id:
            found = self.views.get(view_id)
            if found is not None:
                return found
        elif external_id:
            for view in self.views.values():
                if view.spec.get("external_id") == external_id:
                    return view
        raise SlackError("not_found")

    def replace_view(self, view: OpenView, spec: dict[str, Any]) -> OpenView:
        view.spec = spec
        view.hash = _view_hash()
        view.errors = {}
        self.changed(Change("view", user_id=view.user_id))
        return view

    def top_view(self, user_id: str) -> OpenView | None:
        stack = self.view_stacks.get(user_id)
        return self.views[stack[-1]] if stack else None

    def close_view(self, view: OpenView, *, clear: bool = False) -> None:
        """Close this modal (or, with ``clear``, every modal the person has stacked up)."""
        stack = self.view_stacks.get(view.user_id, [])
        closing = list(stack) if clear else [view.id]
        for view_id in closing:
            if view_id in stack:
                stack.remove(view_id)
            self.views.pop(view_id, None)
        self.changed(Change("view", user_id=view.user_id))

    def show_view_errors(self, view: OpenView, errors: dict[str, str]) -> None:
        view.errors = dict(errors)
        self.changed(Change("view", user_id=view.user_id))

    # ----- response_url

    def issue_response_url(
        self,
        *,
        user_id: str,
        channel_id: str,
        source_ts: str | None = None,
        source_is_ephemeral: bool = False,
        thread_ts: str | None = None,
    ) -> ResponseUrl:
        hook = ResponseUrl(
            token=secrets.token_urlsafe(18),
            user_id=user_id,
            channel_id=channel_id,
            issued_at=self.now(),
            source_ts=source_ts,
            source_is_ephemeral=source_is_ephemeral,
            thread_ts=thread_ts,
        )
        self.response_urls[hook.token] = hook
        return hook

    def use_response_url(self, token: str) -> ResponseUrl:
        hook = self.response_urls.get(token)
        if hook is None:
            raise SlackError("no_service")
        if hook.uses >= RESPONSE_URL_USES or (
            self.now() - hook.issued_at > RESPONSE_URL_TTL_SECONDS
        ):
            raise SlackError("expired_url")
        hook.uses += 1
        return hook

    # ----- notices, transcript and live updates

    def notify(self, user_id: str, channel_id: str, text: str) -> Notice:
        notice = Notice(user_id, channel_id, self.next_ts(), text)
        self.notices.append(notice)
        self.changed(Change("notice", channel_id=channel_id, user_id=user_id))
        return notice

    def record_call(self, call: RecordedCall) -> None:
        self.calls.append(call)

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method == method]

    def record_delivery(self, record: DeliveryRecord) -> None:
        self.deliveries.append(record)
        self.changed(Change("delivery"))

    def subscribe(self) -> asyncio.Queue[Change | None]:
        queue: asyncio.Queue[Change | None] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Change | None]) -> None:
        self._subscribers.discard(queue)

    def close_subscribers(self) -> None:
        """End every live stream; ``None`` tells a subscriber the playground is stopping."""
        for queue in self._subscribers:
            queue.put_nowait(None)
        self._subscribers.clear()

    def changed(self, change: Change) -> None:
        for queue in self._subscribers:
            queue.put_nowait(change)

    async def wait_for(self, condition: Callable[[], bool], *, seconds: float = 5.0) -> None:
        """Return as soon as ``condition()`` holds, checking after every change.

        Bots answer events in background tasks, so tests wait on what the workspace sees
        rather than sleeping for a guessed interval.
        """
        queue = self.subscribe()
        try:
            async with asyncio.timeout(seconds):
                while not condition():
                    if await queue.get() is None:
                        break
        finally:
            self.unsubscribe(queue)


def new_id(prefix: str) -> str:
    """A Slack-looking id: the type letter and ten upper-case letters and digits."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def _view_hash() -> str:
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
