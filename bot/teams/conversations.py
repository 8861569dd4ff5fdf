"""What an activity says: where it came from (a channel and its thread, a chat), who sent it,
and what they typed.

Teams lets a bot start a message only in a conversation where it is installed, through the
service URL Teams gave it there, so every activity tells the core's conversation book where it
came from (`seen`):

- installed in a team (a `conversationUpdate` adding the bot, or an `installationUpdate`):
  the team's channels, as the Bot Connector lists them, and the names of its members;
- addressed in a channel, a group chat or a personal chat: that conversation.

Activities are read in their wire form (`activity.model_dump(by_alias=True)`), the JSON Teams
sends, so the names here are the documented ones (`channelData.team.id`, `aadObjectId`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from commands.delivery.conversation_book import Seen
from commands.presentation.replies import typed_mention, without_mentions

PLATFORM = "teams"
THREAD_MARK = ";messageid="

Json = dict[str, Any]


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """`19:abc@thread.tacv2;messageid=123` is the thread of message 123 in channel
    `19:abc@thread.tacv2`; a personal or group chat id has no thread."""
    channel, mark, root = conversation_id.partition(THREAD_MARK)
    return channel, (root or None) if mark else None


def thread_conversation(channel_id: str, root_id: str) -> str:
    """The conversation id that posts into the thread of message `root_id`."""
    return f"{split_conversation(channel_id)[0]}{THREAD_MARK}{root_id}"


@dataclass(frozen=True)
class Inbound:
    """What waymark needs to know about an activity, whatever its type."""

    raw: Json

    @property
    def id(self) -> str:
        return str(self.raw.get("id") or "")

    @property
    def kind(self) -> str:
        """`personal`, `channel` or `groupChat`."""
        return str((self.raw.get("conversation") or {}).get("conversationType") or "personal")

    @property
    def conversation_id(self) -> str:
        return str((self.raw.get("conversation") or {}).get("id") or "")

    @property
    def channel_id(self) -> str:
        """The conversation without its thread: the channel, or the chat itself."""
        channel = ((self.raw.get("channelData") or {}).get("channel") or {}).get("id")
        return str(channel) if channel else split_conversation(self.conversation_id)[0]

    @property
    def thread_id(self) -> str | None:
        return split_conversation(self.conversation_id)[1]

    @property
    def team_id(self) -> str | None:
        team = ((self.raw.get("channelData") or {}).get("team") or {}).get("id")
        return str(team) if team else None

    @property
    def tenant_id(self) -> str | None:
        tenant = (self.raw.get("conversation") or {}).get("tenantId") or (
            (self.raw.get("channelData") or {}).get("tenant") or {}
        ).get("id")
        return str(tenant) if tenant else None

    @property
    def service_url(self) -> str:
        return str(self.raw.get("serviceUrl") or "")

    @property
    def bot_id(self) -> str:
        return str((self.raw.get("recipient") or {}).get("id") or "")

    @property
    def user_id(self) -> str:
        """Who acted: their Microsoft Entra object id, stable across apps and the id admins
        can look up, or Teams' own id for the app when there is none (a guest, a test)."""
        sender = self.raw.get("from") or {}
        return str(sender.get("aadObjectId") or sender.get("id") or "")

    @property
    def user_name(self) -> str:
        return str((self.raw.get("from") or {}).get("name") or "")

    @property
    def from_bot(self) -> bool:
        sender = self.raw.get("from") or {}
        return sender.get("role") == "bot" or str(sender.get("id", "")).startswith("28:")

    @property
    def channel_name(self) -> str | None:
        name = ((self.raw.get("channelData") or {}).get("channel") or {}).get("name")
        return str(name) if name else None

    @property
    def event_type(self) -> str | None:
        value = (self.raw.get("channelData") or {}).get("eventType")
        return str(value) if value else None


def seen(inbound: Inbound) -> Seen:
    """Where the activity came from and who sent it, for the conversation book."""
    return Seen(
        conversation_id=inbound.channel_id,
        kind=inbound.kind,
        service_url=inbound.service_url,
        bot_id=inbound.bot_id,
        tenant_id=inbound.tenant_id,
        team_id=inbound.team_id,
        channel_name=inbound.channel_name,
        user_id=inbound.user_id,
        user_name=inbound.user_name,
        from_bot=inbound.from_bot,
    )


def typed(inbound: Inbound) -> str:
    """What the person typed, without waymark's @mention and Teams' HTML; anyone else it
    mentions is named as the core reads a name (`@{ID}`, by their Microsoft Entra object id),
    never as a mention waymark renders."""
    text = without_mentions(str(inbound.raw.get("text") or ""))
    for entity in inbound.raw.get("entities") or []:
        if entity.get("type") != "mention" or not entity.get("text"):
            continue
        mentioned = entity.get("mentioned") or {}
        if mentioned.get("id") == inbound.bot_id:
            text = text.replace(str(entity["text"]), " ")
        elif mentioned.get("aadObjectId") or mentioned.get("id"):
            person = str(mentioned.get("aadObjectId") or mentioned.get("id"))
            text = text.replace(str(entity["text"]), typed_mention(person))
    text = (
        re.sub(r"<at>[^<]*</at>", " ", text) if "<at>" in text and mentions_bot(inbound) else text
    )
    text = re.sub(r"<br\s*/?>|</p>|</div>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).replace("\xa0", " ").strip()


def mentions_bot(inbound: Inbound) -> bool:
    return any(
        e.get("type") == "mention" and (e.get("mentioned") or {}).get("id") == inbound.bot_id
        for e in inbound.raw.get("entities") or []
    )
