"""A stand-in for Microsoft Graph's list of a channel's messages, on 127.0.0.1.

It shows what the Bot Connector stand-in took into each channel as Graph shows a bot's post
(the card it sent, as a JSON string attachment), the most recently changed first, as Graph
lists them, with any `chatter` people posted since and any `brought_forward` (old messages
someone reacted to since the post) ahead of it, in pages with `@odata.nextLink`. It answers
only the token it was given, and `refuse` makes it answer a status instead (403: the
permission was not granted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tests.teams.connector import Connector, Sent

Json = dict[str, Any]
TOKEN = "graph-token-for-tests"


@dataclass
class GraphStandIn:
    connector: Connector
    posted_at: datetime  # when waymark's posts were made, as Graph reports it
    chatter: dict[str, int] = field(default_factory=dict)  # channel -> later messages by people
    brought_forward: dict[str, int] = field(default_factory=dict)  # channel -> old, changed since
    page_size: int = 50
    refuse: int | None = None
    pages_read: list[str] = field(default_factory=list)  # the channel of every page served
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1.0/teams/{group}/channels/{channel}/messages", self._messages)
        app.router.add_get(
            "/v1.0/teams/{group}/channels/{channel}/messages/{message}/replies", self._replies
        )
        return app

    async def _replies(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        channel, message = request.match_info["channel"], request.match_info["message"]
        self.pages_read.append(f"{channel};messageid={message}")
        thread = self.connector.to(f"{channel};messageid={message}")
        return web.json_response({"value": [self._bot(sent) for sent in thread]})

    async def _messages(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if self.refuse is not None:
            return web.json_response({"error": {"code": "Forbidden"}}, status=self.refuse)
        group, channel = request.match_info["group"], request.match_info["channel"]
        if group not in self.connector.groups.values():
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        self.pages_read.append(channel)
        everything = sorted(
            self._people(channel) + [self._bot(s) for s in self.connector.to(channel)],
            key=lambda message: message["lastModifiedDateTime"],
            reverse=True,
        )
        top = min(int(request.query.get("$top", "20")), self.page_size)
        start = int(request.query.get("$skiptoken", "0"))
        page: Json = {"value": everything[start : start + top]}
        if start + top < len(everything):
            page["@odata.nextLink"] = (
                f"{self.url}/v1.0/teams/{quote(group, safe='')}/channels/"
                f"{quote(channel, safe='')}/messages?$top={top}&$skiptoken={start + top}"
            )
        return web.json_response(page)

    def _bot(self, sent: Sent) -> Json:
        return {
            "id": sent.id,
            "messageType": "message",
            "createdDateTime": _graph_time(self.posted_at),
            "lastModifiedDateTime": _graph_time(self.posted_at),
            "from": {"application": {"id": "waymark-app", "displayName": "waymark"}},
            "body": {"contentType": "html", "content": f'<attachment id="{sent.id}"></attachment>'},
            "attachments": [
                {
                    "id": sent.id,
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": json.dumps(sent.card),
                }
            ],
        }

    def _people(self, channel: str) -> list[Json]:
        later = [
            (f"later-{n}", self.posted_at + timedelta(minutes=n + 1))
            for n in range(self.chatter.get(channel, 0))
        ]
        older = [
            (f"older-{n}", self.posted_at - timedelta(days=n + 1))
            for n in range(self.brought_forward.get(channel, 0))
        ]
        return [
            {
                "id": id_,
                "messageType": "message",
                "createdDateTime": _graph_time(created),
                # Posted later, or reacted to after the post.
                "lastModifiedDateTime": _graph_time(self.posted_at + timedelta(minutes=n + 1)),
                "from": {"user": {"id": "aad-someone", "displayName": "Someone"}},
                "body": {"contentType": "text", "content": f"Message {id_} about something else"},
                "attachments": [],
            }
            for n, (id_, created) in enumerate(later + older)
        ]


def _graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
