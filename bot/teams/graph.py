"""Reading a Teams channel through Microsoft Graph, to find out whether a post arrived.

The Bot Connector lets a bot post but not list what a channel holds. When a post's answer is
lost (a timeout, a gateway error), the outbox must know whether the message arrived before it
posts again, or the channel may get it twice. Graph can list a channel's messages to an app
that holds `ChannelMessage.Read.Group`, the resource-specific permission waymark's manifest
declares and a team owner grants by adding the app. Each post carries its outbox key as the
`id` of its card's first element (`render.with_key`), and Graph returns the card as sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from bot.teams.render import key_marker
from commands.ports import CannotLookError, DeliveryError

log = logging.getLogger(__name__)

Json = dict[str, Any]
# A bearer token for Graph in a tenant, or None when the app has no credentials.
GraphToken = Callable[[str | None], Awaitable[str | None]]

PAGE_SIZE = 50
# Reminders and the digest are a few posts a week: ten pages reach far past a lost answer in
# all but the busiest channel; beyond them, the outbox looks again later, then asks a person.
MOST_PAGES = 10
# Clocks differ between waymark and Teams; a post is looked for from a little before it.
CLOCK_SLACK = timedelta(minutes=5)


@dataclass
class ChannelReader:
    """Looks through a channel's recent messages for the one carrying an outbox key."""

    http: httpx.AsyncClient
    base_url: str  # https://graph.microsoft.com, without the version
    token: GraphToken

    async def find(
        self, *, team: str, channel: str, tenant: str | None, key: str, since: datetime
    ) -> str | None:
        """The id of the message carrying `key` posted since `since`, or None."""
        bearer = await self._token(tenant)
        url: str | None = (
            f"{self.base_url}/v1.0/teams/{quote(team, safe='')}/channels/"
            f"{quote(channel, safe='')}/messages?$top={PAGE_SIZE}"
        )
        marker = key_marker(key)
        oldest = since - CLOCK_SLACK
        for _ in range(MOST_PAGES):
            if url is None:
                return None
            page = await self._get(url, bearer, channel)
            messages: list[Json] = page.get("value") or []
            for message in messages:
                if _carries(message, marker) and message.get("id"):
                    return str(message["id"])
            # Graph lists the most recently changed first (a reaction or an edit brings an old
            # message forward), and a message changes no earlier than it is posted: once a
            # whole page was last changed before the post, nothing after it can be the post.
            if messages and all(_changed(m) < oldest for m in messages):
                return None
            url = page.get("@odata.nextLink")
        # Not found, and not all read: whether it arrived is still unknown.
        raise DeliveryError(
            f"read {MOST_PAGES} pages of {channel} without reaching the time of the post",
            ambiguous=True,
        )

    async def replies_carrying(
        self, *, team: str, channel: str, tenant: str | None, message: str, keys: list[str]
    ) -> set[str]:
        """Which of `keys` the replies in the thread of `message` carry."""
        bearer = await self._token(tenant)
        url: str | None = (
            f"{self.base_url}/v1.0/teams/{quote(team, safe='')}/channels/"
            f"{quote(channel, safe='')}/messages/{quote(message, safe='')}/replies"
            f"?$top={PAGE_SIZE}"
        )
        wanted = {key_marker(key): key for key in keys}
        found: set[str] = set()
        for _ in range(MOST_PAGES):
            if url is None:
                return found
            page = await self._get(url, bearer, channel)
            for reply in page.get("value") or []:
                found |= {wanted[m] for m in _markers(reply) if m in wanted}
            url = page.get("@odata.nextLink")
        raise DeliveryError(
            f"read {MOST_PAGES} pages of replies to {message} without reaching their end",
            ambiguous=True,
        )

    async def _token(self, tenant: str | None) -> str:
        try:
            bearer = await self.token(tenant)
        except Exception as error:  # MSAL and the SDK raise several kinds for one cause
            raise DeliveryError(
                f"could not get a Microsoft Graph token: {error}", ambiguous=True
            ) from error
        if not bearer:
            raise CannotLookError(
                "waymark has no Teams credentials to read the channel through Microsoft Graph"
            )
        return bearer

    async def _get(self, url: str, bearer: str, channel: str) -> Json:
        try:
            answer = await self.http.get(url, headers={"Authorization": f"Bearer {bearer}"})
        except httpx.HTTPError as error:
            raise DeliveryError(
                f"no answer from Microsoft Graph: {error!r}", ambiguous=True
            ) from error
        if answer.status_code in (403, 404):
            raise CannotLookError(
                f"Microsoft Graph will not let waymark read the channel {channel} "
                f"({answer.status_code}): a team owner grants it by adding the app with its "
                "ChannelMessage.Read.Group permission"
            )
        if answer.status_code != 200:
            raise DeliveryError(
                f"Microsoft Graph answered {answer.status_code}: {answer.text[:200]}",
                ambiguous=True,
            )
        try:
            page: Json = answer.json()
        except ValueError as error:
            raise DeliveryError(
                f"Microsoft Graph answered what is not JSON: {answer.text[:200]}", ambiguous=True
            ) from error
        return page


def _carries(message: Json, marker: str) -> bool:
    return marker in _markers(message)


def _markers(message: Json) -> set[str]:
    """Every element id in the cards a message holds."""
    ids: set[str] = set()
    for attachment in message.get("attachments") or []:
        content = attachment.get("content")
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError:
                continue
        ids |= set(_ids(content))
    return ids


def _ids(node: Any) -> Iterator[str]:
    """Every element id in a card."""
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            yield node["id"]
        for value in node.values():
            yield from _ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from _ids(item)


def _changed(message: Json) -> datetime:
    """When a message was last changed (or, failing that, posted)."""
    text = str(message.get("lastModifiedDateTime") or message.get("createdDateTime") or "")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # Unknown age: treat as recent, so that paging goes on rather than stopping short.
        return datetime.max.replace(tzinfo=UTC)
