"""Posting to Slack: Block Kit, charts as files in the message's thread, a key in the message
metadata for reconciliation, and at most one message a second per channel. A reply carrying
documents (the published report's PDF) is shared as a file message instead (`documents`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.pacing import CONVERSATION_INTERVAL, Pacer
from bot.slack import documents, render
from commands.ports import CannotLookError, DeliveryError, MessageGoneError
from commands.presentation.replies import Chart, Reply

log = logging.getLogger(__name__)

METADATA_TYPE = "waymark_post"
# What slack_sdk gives each call when it makes its own session.
WEB_API_TIMEOUT = 30.0
# The longest Retry-After a post waits out in the call. A longer one gives the message back to
# the outbox, to go after that time: a call asleep for minutes outlives the sender's claim on
# the row, and another sender would post it too.
LONGEST_WAIT = 5


def web_api_session() -> ClientSession:
    """One HTTP session for every Web API call the process makes, so that calls reuse kept-alive
    connections. Without it slack_sdk opens a session, and a connection, per call: most of the
    CPU a thread reply cost. Make it inside the running loop; close it on the way out."""
    return ClientSession(timeout=ClientTimeout(total=WEB_API_TIMEOUT))


def posting_client(
    token: str, base_url: str, *, session: ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client that retries on 429 (after Retry-After) but never on a dropped
    connection: that retry could post a message Slack already accepted a second time.
    `session` is shared (see `web_api_session`); without one, each call makes its own."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        retry_handlers=[ShortRateLimitRetry(max_retry_count=3)],
    )


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's retry on 429, for a Retry-After of up to `LONGEST_WAIT` seconds only: a
    longer one is answered as Slack's refusal, with its Retry-After, for the outbox to keep."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response.headers) <= LONGEST_WAIT


def _retry_after(headers: Mapping[str, Any]) -> float:
    """Slack's Retry-After in seconds (1 when it sent none or nonsense, as slack_sdk assumes)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return float(first)
            except (TypeError, ValueError):
                return 1.0
    return 1.0


class SlackMessenger:
    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        interval: float = CONVERSATION_INTERVAL,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.pacer = Pacer(interval, sleep=sleep, clock=clock)
        self._bot_user: str | None = None

    async def post(
        self, channel_id: str, reply: Reply, *, key: str | None = None, thread_id: str | None = None
    ) -> str:
        if reply.documents:
            return await self.share_documents(channel_id, reply, thread_id=thread_id)
        uploaded = {}
        for chart in reply.charts:
            file_id = await self.upload_chart(chart)
            if file_id:
                uploaded[chart.filename] = file_id
        content = render.message(reply, uploaded)
        kwargs: dict[str, Any] = {"channel": channel_id, **content}
        if thread_id:
            kwargs["thread_ts"] = thread_id
        if key:
            kwargs["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": key}}
        async with self.pacer.turn(channel_id):
            try:
                response = await self.client.chat_postMessage(**kwargs)
            except SlackApiError as error:
                raise _delivery_error(error) from error
            except (ClientError, TimeoutError) as error:
                raise DeliveryError(f"no answer from Slack: {error!r}", ambiguous=True) from error
        return str(response["ts"])

    async def update(
        self, channel_id: str, message_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> None:
        """chat.update: the message keeps its place, its thread and its metadata (the key);
        Slack finds a reply in a thread by its ts alone. Charts are not uploaded again: a
        refreshed card has none."""
        content = render.message(reply.without_charts())
        try:
            await self.client.chat_update(channel=channel_id, ts=message_id, **content)
        except SlackApiError as error:
            code = error.response.get("error") if error.response else None
            if code in _GONE:
                gone = f"the message is no longer in {channel_id} ({code})"
                raise MessageGoneError(gone) from error
            raise _delivery_error(error) from error
        except (ClientError, TimeoutError) as error:
            raise DeliveryError(f"no answer from Slack: {error!r}", ambiguous=True) from error

    async def share_documents(
        self, channel_id: str, reply: Reply, *, thread_id: str | None = None
    ) -> str:
        """Share the reply's files in the channel as one message, the reply's text its comment
        (files upload v2; see `documents` for what each step's failure means)."""
        uploaded = {await documents.upload(self.client, d): d for d in reply.documents}
        comment = render.message(reply)["text"]
        async with self.pacer.turn(channel_id):
            return await documents.complete(self.client, channel_id, uploaded, comment, thread_id)

    async def bot_user(self) -> str:
        """The bot's own user id, which its file shares carry (asked once)."""
        if self._bot_user is None:
            try:
                self._bot_user = str((await self.client.auth_test())["user_id"])
            except SlackApiError as error:
                raise _delivery_error(error) from error
            except (ClientError, TimeoutError) as error:
                raise DeliveryError(f"no answer from Slack: {error!r}", ambiguous=True) from error
        return self._bot_user

    async def upload_chart(self, chart: Chart) -> str | None:
        """Upload a chart without sharing it, for an image block to show inside the message.
        A failed upload loses a picture, not a reading or a reminder: logged, and the message
        goes without it."""
        try:
            png = await asyncio.to_thread(chart.draw)
            uploaded = await self.client.files_upload_v2(
                content=png, filename=chart.filename, title=chart.title, alt_txt=chart.alt_text
            )
        except (SlackApiError, ClientError, TimeoutError) as error:
            log.warning("chart %s not uploaded: %r", chart.filename, error)
            return None
        files = uploaded.get("files") or [uploaded.get("file") or {}]
        return str(files[0].get("id")) if files and files[0].get("id") else None

    async def find_post(
        self, channel_id: str, key: str, since: datetime, *, reply: Reply
    ) -> str | None:
        cursor: str | None = None
        me = await self.bot_user() if reply.documents else ""
        while True:
            try:
                page = await self.client.conversations_history(
                    channel=channel_id,
                    oldest=f"{since.timestamp() - 60:.6f}",
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            except SlackApiError as error:
                code = error.response.get("error") if error.response else None
                if code in _CANNOT_READ:
                    raise CannotLookError(
                        f"Slack will not let waymark read {channel_id} to check ({code}): "
                        "give the app the channels:history scope and invite it to the channel"
                    ) from error
                raise _delivery_error(error) from error
            except (ClientError, TimeoutError) as error:
                raise DeliveryError(f"no answer from Slack: {error!r}", ambiguous=True) from error
            messages: list[dict[str, Any]] = page.get("messages", [])
            for found in messages:
                metadata = found.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_TYPE and payload.get("key") == key:
                    return str(found["ts"])
                # A file share carries no metadata: it is known by its files' names.
                if me and documents.is_share_of(found, reply, me):
                    return str(found["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None


# Answers to chat.update meaning the message, or its channel, was deleted.
_GONE = {"message_not_found", "channel_not_found", "is_archived"}
# Answers to conversations.history that no later try will change.
_CANNOT_READ = {"missing_scope", "not_in_channel", "channel_not_found", "access_denied"}


def _delivery_error(error: SlackApiError) -> DeliveryError:
    code = error.response.get("error", "unknown") if error.response else "unknown"
    status = error.response.status_code if error.response else None
    retry_after = None
    if status == 429:
        retry_after = _retry_after(error.response.headers)
    if status is not None and status >= 500:
        # Slack failed on its side: the message may have been posted all the same.
        return DeliveryError(f"Slack answered {status}: {code}", ambiguous=True)
    # Slack answered no, so the message was not posted: safe to try again later.
    return DeliveryError(
        f"Slack refused the post: {code}", ambiguous=False, retry_after=retry_after
    )
