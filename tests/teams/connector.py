"""A stand-in for the Bot Connector service on 127.0.0.1, recording what waymark sends.

Teams' own service answers a bot at the `serviceUrl` of each activity; pointing that (and
TEAMS_SERVICE_URL) here sends every reply, card and proactive post to this recorder instead.
It serves what waymark calls: posting and updating activities, listing a team's channels and a
conversation's members, a team's details. A message in `deleted` answers an update with 404,
as one deleted in Teams does. `refuse_next` makes the next post fail with a
status, as Teams can; `lose_next_answer` takes the next post and answers a gateway timeout, as
when the answer is lost on its way back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Json = dict[str, Any]


@dataclass
class Sent:
    """One activity waymark posted, and where."""

    conversation_id: str
    activity: Json
    id: str

    @property
    def card(self) -> Json:
        attachments = self.activity.get("attachments") or []
        assert attachments, f"no card in {self.activity}"
        content: Json = attachments[0]["content"]
        return content

    @property
    def words(self) -> str:
        """Everything a person reads on the card: its text blocks, facts and table cells."""
        return "\n".join(words_of(self.card))


def words_of(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            found.append(str(node.get("text", "")))
        if "title" in node and "value" in node and node.get("type") is None:
            found.append(f"{node['title']}: {node['value']}")  # a fact
        for key, value in node.items():
            if key != "msteams" and isinstance(value, dict | list):
                found += words_of(value)
    elif isinstance(node, list):
        for item in node:
            found += words_of(item)
    return found


def find(node: Any, kind: str) -> list[Json]:
    """Every element of a card of one type (`Table`, `FactSet`, `Input.Number` ...)."""
    found: list[Json] = []
    if isinstance(node, dict):
        if node.get("type") == kind:
            found.append(node)
        for value in node.values():
            found += find(value, kind)
    elif isinstance(node, list):
        for item in node:
            found += find(item, kind)
    return found


def entries(card: Json) -> list[list[str]]:
    """The rows of the card's tables as a person reads them in a narrow column: each row's
    lines (its bold title, then its details), one entry per row."""
    return [
        [str(item["text"]) for item in container["items"]]
        for container in find(card, "Container")
        if container.get("separator")
        and container["items"]
        and all(item.get("type") == "TextBlock" for item in container["items"])
        and container["items"][0].get("weight") == "Bolder"
    ]


@dataclass
class Connector:
    channels: dict[str, list[Json]] = field(default_factory=dict)  # team id -> channels
    members: dict[str, list[Json]] = field(default_factory=dict)  # conversation id -> people
    sent: list[Sent] = field(default_factory=list)
    updated: list[Sent] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)  # ids of messages deleted in Teams since
    refuse_next: int | None = None
    lose_next_answer: bool = False
    groups: dict[str, str] = field(default_factory=dict)  # team id -> Microsoft 365 group id
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_700_000_000_001))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._create)
        app.router.add_put("/v3/conversations/{conversation}/activities/{id}", self._update)
        app.router.add_get("/v3/teams/{team}/conversations", self._team_channels)
        app.router.add_get("/v3/teams/{team}", self._team)
        app.router.add_get("/v3/conversations/{conversation}/members", self._members)
        return app

    def to(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]

    def in_channel(self, channel_id: str) -> list[Sent]:
        """Posts in a channel, top-level and in its threads."""
        return [s for s in self.sent if s.conversation_id.split(";")[0] == channel_id]

    async def _create(self, request: web.Request) -> web.Response:
        if self.refuse_next is not None:
            status, self.refuse_next = self.refuse_next, None
            return web.json_response({"error": {"code": "Refused"}}, status=status)
        activity = await request.json()
        sent = Sent(request.match_info["conversation"], activity, str(next(self._ids)))
        self.sent.append(sent)
        if self.lose_next_answer:
            self.lose_next_answer = False
            return web.json_response({"error": {"code": "GatewayTimeout"}}, status=504)
        return web.json_response({"id": sent.id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if request.match_info["id"] in self.deleted:
            return web.json_response({"error": {"code": "ActivityNotFound"}}, status=404)
        activity = await request.json()
        self.updated.append(
            Sent(request.match_info["conversation"], activity, request.match_info["id"])
        )
        return web.json_response({"id": request.match_info["id"]})

    async def _team_channels(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"conversations": self.channels.get(request.match_info["team"], [])}
        )

    async def _team(self, request: web.Request) -> web.Response:
        team = request.match_info["team"]
        return web.json_response({"id": team, "name": "Luton", "aadGroupId": self.groups.get(team)})

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response(self.members.get(request.match_info["conversation"], []))
