"""Activities as Teams sends them to a bot's messaging endpoint (the shapes the Agents
Playground and Teams itself post: message, conversationUpdate, invoke, and a message's edit
and deletion)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Json = dict[str, Any]

TENANT = "72f988bf-0000-4000-8000-2d7cd011db47"
BOT_ID = "28:5f1c2a34-8d2e-4f5b-9b57-000000waymark"
BOT_NAME = "waymark"
TEAM = "19:team-luton@thread.tacv2"  # the team's id, which is also its General channel's
CHILDREN = "19:children-trust@thread.tacv2"
GENERAL = TEAM
_ids = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: str  # Teams' id for the person in this app (29:...)
    name: str
    aad: str  # Microsoft Entra object id: how waymark knows them (groups.csv, WAYMARK_ADMINS)

    def account(self) -> Json:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad}


LEAD = Person("29:1priya", "Priya Shah", "aad-priya-0000-0000-000000000001")
ADMIN = Person("29:1joanne", "Joanne Clarke", "aad-joanne-000-0000-000000000002")
OUTSIDER = Person("29:1graham", "Graham Ellis", "aad-graham-000-0000-000000000003")


def _base(kind: str, service_url: str, conversation: Json, sender: Json, **more: Any) -> Json:
    return {
        "type": kind,
        "id": f"{1_800_000_000_000 + next(_ids)}",
        "timestamp": "2026-11-26T12:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "locale": "en-GB",
        **more,
    }


def _channel_data(channel: str) -> Json:
    return {
        "teamsChannelId": channel,
        "teamsTeamId": TEAM,
        "channel": {"id": channel},
        "team": {"id": TEAM},
        "tenant": {"id": TENANT},
    }


def channel_message(
    service_url: str,
    text: str,
    *,
    person: Person = LEAD,
    channel: str = GENERAL,
    thread: str | None = None,
    mention: bool = True,
) -> Json:
    """A post in a channel (a new thread) or a reply in `thread`, @mentioning waymark unless
    `mention` is False (delivered only with the ChannelMessage.Read.Group permission)."""
    entities: list[Json] = [
        {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"}
    ]
    if mention:
        text = f"<at>{BOT_NAME}</at> {text}"
        entities.insert(
            0,
            {
                "type": "mention",
                "text": f"<at>{BOT_NAME}</at>",
                "mentioned": {"id": BOT_ID, "name": BOT_NAME},
            },
        )
    activity = _base(
        "message",
        service_url,
        {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": ""},
        person.account(),
        text=text,
        textFormat="plain",
        entities=entities,
        channelData=_channel_data(channel),
    )
    root = thread or activity["id"]
    activity["conversation"]["id"] = f"{channel};messageid={root}"
    if thread:
        activity["replyToId"] = thread
    return activity


def personal_chat_id(person: Person) -> str:
    return f"a:1personal-{person.aad}"


def personal_message(service_url: str, text: str, *, person: Person = LEAD) -> Json:
    return _base(
        "message",
        service_url,
        {"conversationType": "personal", "tenantId": TENANT, "id": personal_chat_id(person)},
        person.account(),
        text=text,
        textFormat="plain",
        channelData={"tenant": {"id": TENANT}},
    )


def installed_in_team(service_url: str, *, person: Person = ADMIN) -> Json:
    """waymark added to a team: Teams says so in the General channel."""
    return _base(
        "conversationUpdate",
        service_url,
        {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": GENERAL},
        person.account(),
        membersAdded=[{"id": BOT_ID}],
        channelData={"eventType": "teamMemberAdded", **_channel_data(GENERAL)},
    )


def removed_from_team(service_url: str, *, person: Person = ADMIN) -> Json:
    return _base(
        "conversationUpdate",
        service_url,
        {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": GENERAL},
        person.account(),
        membersRemoved=[{"id": BOT_ID}],
        channelData={"eventType": "teamMemberRemoved", **_channel_data(GENERAL)},
    )


def card_submit(
    service_url: str,
    data: Json,
    *,
    card_id: str,
    channel: str,
    thread: str | None = None,
    person: Person = LEAD,
) -> Json:
    """Submit pressed on a card (Action.Execute): the action's data with the inputs' values."""
    conversation = f"{channel};messageid={thread or card_id}"
    return _base(
        "invoke",
        service_url,
        {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": conversation},
        person.account(),
        name="adaptiveCard/action",
        replyToId=card_id,
        value={
            "action": {"type": "Action.Execute", "verb": data.get("action"), "data": data},
            "trigger": "manual",
        },
        channelData=_channel_data(channel),
    )


_changes = itertools.count(1)


def _changed_at() -> str:
    """A time after the message was posted, different for every edit or deletion."""
    when = datetime(2026, 11, 26, 12, 0, tzinfo=UTC) + timedelta(seconds=next(_changes))
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def edited_message(message: Json, text: str) -> Json:
    """The `messageUpdate` Teams sends when the author edits `message` (a `channel_message`):
    the same id and conversation, the words as they now are (waymark's @mention kept when the
    message had one), and the time of the edit."""
    mentioned = any(e.get("type") == "mention" for e in message.get("entities") or [])
    return {
        **message,
        "type": "messageUpdate",
        "timestamp": _changed_at(),
        "text": f"<at>{BOT_NAME}</at> {text}" if mentioned else text,
        "channelData": {**message["channelData"], "eventType": "editMessage"},
    }


def undeleted_message(message: Json) -> Json:
    """The `messageUpdate` Teams sends when a deleted `message` is brought back."""
    undelete = edited_message(message, "")
    undelete["text"] = message["text"]
    undelete["channelData"]["eventType"] = "undeleteMessage"
    return undelete


def deleted_message(message: Json) -> Json:
    """The `messageDelete` Teams sends when `message` is deleted: its id and conversation, no
    words."""
    deletion = {
        key: value
        for key, value in message.items()
        if key not in {"text", "textFormat", "entities", "replyToId"}
    }
    return {
        **deletion,
        "type": "messageDelete",
        "timestamp": _changed_at(),
        "channelData": {**message["channelData"], "eventType": "softDeleteMessage"},
    }
