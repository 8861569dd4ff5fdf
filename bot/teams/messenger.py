"""Posting to Teams channels without being asked (reminders, the digest), for the outbox.

Teams lets a bot post only into conversations it was installed in, and only through the
service URL Teams gave it there: both come from the conversation reference stored when
waymark was added to a team or first addressed in a channel (`conversations.py`). A channel
with no reference cannot be reached yet: the post is refused (the outbox tries again later and
`waymark outbox` shows why), and administrators are told in their chat with waymark, once a day.

When a post's answer is lost, whether it arrived is found out through Microsoft Graph
(`graph.py`). Without Graph access (no credentials, or the permission not granted) the
message is parked for an operator and administrators are told: it is never posted blindly
a second time.

A stored reference is posted through only while its service URL is one waymark would accept
from Teams now (`door.ServiceUrls`): it was checked when it came in, but the configuration may
have changed since, and the bot's token goes wherever the URL points.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from microsoft_teams.api import ApiClient
from microsoft_teams.api.activities.message import MessageActivityInput

from bot.pacing import Pacer
from bot.teams import render
from bot.teams.conversations import PLATFORM, thread_conversation
from bot.teams.door import ServiceUrls
from bot.teams.graph import ChannelReader
from commands.delivery.conversation_book import Address, ConversationBook
from commands.ports import CannotLookError, DeliveryError, MessageGoneError
from commands.presentation.replies import Chart, Reply

log = logging.getLogger(__name__)

# How often administrators hear about the same channel waymark cannot reach.
TELL_ADMINS_EVERY = timedelta(days=1)
# Server and gateway errors after which the Bot Connector may still have delivered the message.
_UNCLEAR = {500, 502, 504}
# What the Bot Connector answers an update of a message that was deleted.
_GONE = {404, 410}


@dataclass(frozen=True)
class Target:
    """One conversation to post into, as Teams needs it."""

    conversation_id: str
    service_url: str
    bot_id: str

    @classmethod
    def of(cls, ref: Address, thread_id: str | None = None) -> Target:
        conversation = ref.conversation_id
        if thread_id:
            conversation = thread_conversation(conversation, thread_id)
        return cls(conversation, ref.service_url, ref.bot_id)


async def send(api: ApiClient, target: Target, activity: dict[str, Any]) -> str:
    """Post one activity through the Bot Connector; returns the new message's id."""
    params = MessageActivityInput.model_validate(
        {
            **activity,
            "from": {"id": target.bot_id},
            "conversation": {"id": target.conversation_id},
        }
    )
    sent = await api.conversations.create_activity(
        target.conversation_id, params, service_url=target.service_url
    )
    return sent.id


def delivery_error(error: Exception) -> DeliveryError:
    """What a failed post means for the outbox: refused (safe to post again later) or unclear
    (it may have arrived: look before posting again)."""
    if isinstance(error, httpx.HTTPStatusError):
        status = error.response.status_code
        retry_after: float | None = None
        if status == 429:
            try:
                retry_after = float(error.response.headers.get("retry-after", "1"))
            except ValueError:
                retry_after = 1.0
        return DeliveryError(
            f"Teams answered {status}: {error.response.text[:200]}",
            ambiguous=status in _UNCLEAR,
            retry_after=retry_after,
        )
    if isinstance(error, httpx.ConnectError):
        return DeliveryError(f"could not connect to Teams: {error!r}", ambiguous=False)
    return DeliveryError(f"no clear answer from Teams: {error!r}", ambiguous=True)


class TeamsMessenger:
    """`commands.ports.Messenger` for Teams channels."""

    platform = PLATFORM

    def __init__(
        self,
        api: ApiClient,
        book: ConversationBook,
        *,
        admins: Iterable[str],
        service_urls: ServiceUrls,
        command: str = "@waymark outcome",
        graph: ChannelReader | None = None,
        closers: Iterable[Callable[[], Awaitable[None]]] = (),
        pacer: Pacer | None = None,
    ) -> None:
        self.api = api
        # One post a second in each conversation, as in Slack: seven reminders to one channel
        # no longer arrive inside 163 ms.
        self.pacer = pacer or Pacer()
        self.book = book
        self.admins = tuple(admins)
        self.service_urls = service_urls
        self.command = command
        self.graph = graph
        self._closers = tuple(closers)

    async def close(self) -> None:
        closers = [self.api.http.http.aclose, *self._closers]
        if self.graph is not None:
            closers.append(self.graph.http.aclose)
        for close in closers:
            try:
                await close()
            except Exception:  # closing the others matters more than why one failed
                log.exception("could not close a Teams connection")

    async def post(
        self, channel_id: str, reply: Reply, *, key: str | None = None, thread_id: str | None = None
    ) -> str:
        stored = await self.book.address(channel_id)
        ref = self._allowed(stored, channel_id)
        if ref is None:
            # Not in the team; or in it, but with an address waymark no longer posts to (the
            # configuration changed). Either way Teams gives a new one when waymark is addressed.
            unsafe = stored is not None
            await self._unreachable(channel_id, reply, stored.service_url if stored else None)
            why = "as its address is not one waymark posts to any more" if unsafe else "yet"
            raise DeliveryError(
                f"waymark cannot reach the Teams channel {channel_id} {why}: add the waymark "
                "app to the channel's team, or @mention waymark in the channel once",
                ambiguous=False,
            )
        where = render.Where(self.command, await self.book.names([reply]))
        activity = render.message(reply, where, key=key)
        async with self.pacer.turn(channel_id):
            try:
                message_id = await send(self.api, Target.of(ref, thread_id), activity)
            except (httpx.HTTPError, TimeoutError) as error:
                raise delivery_error(error) from error
        if render.has_inputs(reply):
            await self.keep_card(channel_id, message_id, reply)
        for number, chart in enumerate(reply.charts):
            chart_key = render.chart_key(key, number) if key else None
            await self.post_chart(Target.of(ref, thread_id or message_id), chart, chart_key)
        return message_id

    async def update(
        self, channel_id: str, message_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> None:
        """The Bot Connector's update activity (PUT v3/conversations/{id}/activities/{id}),
        through the service URL kept for the channel, in the conversation the message was
        posted to (a reply in a thread: the thread's). A card with reading boxes is kept
        again as it now is, so that a later submission shows it, not the card it replaced."""
        ref = self._allowed(await self.book.address(channel_id), channel_id)
        if ref is None:
            raise DeliveryError(
                f"waymark cannot reach the Teams channel {channel_id} to change its message: "
                "add the waymark app to the channel's team again",
                ambiguous=False,
            )
        where = render.Where(self.command, await self.book.names([reply]))
        activity = render.message(reply.without_charts(), where)
        target = Target.of(ref, thread_id)
        params = MessageActivityInput.model_validate(
            {
                **activity,
                "id": message_id,
                "from": {"id": target.bot_id},
                "conversation": {"id": target.conversation_id},
            }
        )
        try:
            await self.api.conversations.update_activity(
                target.conversation_id, message_id, params, service_url=target.service_url
            )
        except httpx.HTTPStatusError as error:
            if error.response.status_code in _GONE:
                raise MessageGoneError(
                    f"the message is no longer in the Teams channel {channel_id} "
                    f"({error.response.status_code})"
                ) from error
            raise delivery_error(error) from error
        except (httpx.HTTPError, TimeoutError) as error:
            raise delivery_error(error) from error
        if render.has_inputs(reply):
            await self.book.keep_card(channel_id, message_id, reply, replace=True)

    async def find_post(
        self, channel_id: str, key: str, since: datetime, *, reply: Reply
    ) -> str | None:
        """Look for the post through Microsoft Graph; a card found with reading boxes is kept,
        as when it is posted. Raises `CannotLookError` (and tells the administrators) where
        Graph cannot be asked, so that the outbox parks the message rather than post it a
        second time."""
        ref = self._allowed(await self.book.address(channel_id), channel_id)
        if ref is None:
            # waymark was removed from the team since: it can neither look nor post there.
            raise DeliveryError(
                f"waymark cannot reach the Teams channel {channel_id} to look for the message: "
                "add the waymark app to the channel's team again",
                ambiguous=True,
            )
        try:
            found = await self._look(ref, key, since)
        except CannotLookError as error:
            await self._ask_admins_to_look(ref.name or channel_id, reply, error)
            raise
        if found is not None and render.has_inputs(reply):
            await self.keep_card(channel_id, found, reply)
        if found is not None and reply.charts:
            await self._charts_not_posted(ref, found, key, reply)
        return found

    async def _charts_not_posted(
        self, ref: Address, message_id: str, key: str, reply: Reply
    ) -> None:
        """Post the charts that a found message's thread lacks: the answer may have been lost
        before they were posted, or after. Where the thread cannot be read, they are left out:
        a missing picture rather than one shown twice."""
        keys = [render.chart_key(key, number) for number in range(len(reply.charts))]
        if self.graph is None:
            return
        try:
            team = await self._team_group(ref)
            there = await self.graph.replies_carrying(
                team=team,
                channel=ref.conversation_id,
                tenant=ref.tenant_id,
                message=message_id,
                keys=keys,
            )
        except DeliveryError as error:
            log.warning("charts of %s not checked, so not posted: %s", key, error)
            return
        target = Target.of(ref, message_id)
        for chart, chart_key in zip(reply.charts, keys, strict=True):
            if chart_key not in there:
                await self.post_chart(target, chart, chart_key)

    async def _ask_admins_to_look(self, channel: str, reply: Reply, error: CannotLookError) -> None:
        what = reply.fallback.split("\n")[0][:200]
        try:
            await self.tell_admins(
                f"A message for the Teams channel {channel} may or may not have arrived, and I "
                f"cannot check: {error}. The message begins “{what}”. Please look in the "
                "channel. If it is there, run `waymark outbox --posted ID --message LINK` with "
                "its link; if not, `waymark outbox --retry ID` (`waymark outbox` shows the "
                "ID). I will not post it again until then, so that nobody gets it twice."
            )
        except Exception:  # the message is parked and listed whether or not they hear now
            log.exception("could not tell administrators about a message waiting in %s", channel)

    async def _look(self, ref: Address, key: str, since: datetime) -> str | None:
        if self.graph is None:
            raise CannotLookError(
                "waymark has no Teams credentials to read the channel through Microsoft Graph"
            )
        return await self.graph.find(
            team=await self._team_group(ref),
            channel=ref.conversation_id,
            tenant=ref.tenant_id,
            key=key,
            since=since,
        )

    async def _team_group(self, ref: Address) -> str:
        """The Microsoft 365 group of a channel's team: what Graph calls the team."""
        if ref.kind != "channel" or not ref.team_id:
            raise CannotLookError("Microsoft Graph lets waymark read team channels only")
        try:
            team = await self.api.clone(service_url=ref.service_url).teams.get_by_id(ref.team_id)
        except (httpx.HTTPError, TimeoutError) as error:
            raise delivery_error(error) from error
        if not team.aad_group_id:
            raise CannotLookError("Teams did not say which Microsoft 365 group the team is")
        return team.aad_group_id

    async def post_chart(self, target: Target, chart: Chart, key: str | None = None) -> None:
        """A chart follows its message in the thread. A failed chart loses a picture, not a
        reading or a reminder, so it is logged and the message stands."""
        try:
            png = await asyncio.to_thread(chart.draw)
            await send(self.api, target, render.chart_message(chart, png, key=key))
        except (httpx.HTTPError, TimeoutError) as error:
            log.warning("chart %s not posted to %s: %r", chart.filename, target, error)

    async def tell_admins(self, words: str) -> int:
        """Post `words` in each administrator's personal chat with waymark; returns how many
        were told (an administrator who never talked to waymark in Teams cannot be)."""
        chats = await self.book.personal_chats(self.admins)
        told = 0
        for chat in chats:
            if self._allowed(chat, f"the personal chat of {chat.user_id}") is None:
                continue
            try:
                await send(self.api, Target.of(chat), render.text_message(words))
                told += 1
            except (httpx.HTTPError, TimeoutError) as error:
                log.warning("could not tell administrator %s: %r", chat.user_id, error)
        return told

    def _allowed(self, ref: Address | None, where: str) -> Address | None:
        """`ref`, or None (and a warning) when its service URL is no longer one waymark posts
        to: waymark then cannot reach the conversation until Teams gives it a new reference."""
        if ref is None or self.service_urls.allows(ref.service_url):
            return ref
        log.warning(
            "not posting to %s through %r: the service URL kept for it is neither the Bot "
            "Framework's nor TEAMS_SERVICE_URL",
            where,
            ref.service_url,
        )
        return None

    async def _unreachable(self, channel_id: str, reply: Reply, unsafe_url: str | None) -> None:
        reason = "waymark is not installed in the channel's team"
        said = "I am not in its team yet"
        if unsafe_url is not None:
            reason = f"the service URL kept for the channel is not allowed: {unsafe_url}"
            said = (
                f"the address Teams gave me for it ({unsafe_url}) is neither the Bot "
                "Framework's nor the one configured, so I no longer post there"
            )
        tell = await self.book.cannot_reach(channel_id, reason, tell_every=TELL_ADMINS_EVERY)
        log.warning("cannot post to Teams channel %s: %s", channel_id, reason)
        if not tell:
            return
        what = reply.fallback.split("\n")[0][:200]
        told = await self.tell_admins(
            f"I could not post to the Teams channel {channel_id}: {said}. "
            f"The message waiting is: “{what}”. Add the waymark app to that team (Apps, then "
            "Manage your apps, then Upload an app), or @mention waymark in the channel once. "
            "The message goes out at the next try after that; `waymark outbox` lists what is "
            "waiting."
        )
        if not told:
            log.warning(
                "no administrator could be told about Teams channel %s: none has a personal "
                "chat with waymark in Teams",
                channel_id,
            )

    async def keep_card(self, channel_id: str, message_id: str, reply: Reply) -> None:
        """Keep a posted card with reading boxes, to show it again when it is submitted."""
        await self.book.keep_card(channel_id, message_id, reply)
