"""Sharing a file in a Slack channel (the published report's PDF) by files upload v2, in three
steps, each with what its failure means for posting it twice:

1. `files.getUploadURLExternal` gives an upload URL and a file id; nothing is shown yet.
2. The bytes are POSTed to that URL; still nothing is shown (an unshared upload is harmless).
3. `files.completeUploadExternal` with `channel_id` shares the file in the channel, as a message
   of its own with `initial_comment`.

A failure in steps 1 and 2 posted nothing: a refusal, safe to try again. A failure of step 3
that is not Slack's plain no (a 5xx, a timeout, a dropped connection) may have shared it: that
is ambiguous, and the outbox looks for it before trying again. A file share cannot carry message
metadata, so the file is recognised instead by its name, which is unique to the report
(`progress-report-2026-09-30.pdf`), among the bot's own messages since the first attempt.

Slack shares the file in the background: its answer to step 3 holds no message ts. `files.info`
gives it once the share is done; until then, or without the `files:read` scope (the manifest does
not ask for it: nothing needs the ts), the file id stands for the message in the outbox."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError, ClientSession
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.ports import DeliveryError
from commands.presentation.replies import Document, Reply

log = logging.getLogger(__name__)


async def upload(client: AsyncWebClient, document: Document) -> str:
    """Steps 1 and 2: the new file's id. Nothing is shown anywhere yet, so every failure here
    is a plain refusal."""
    try:
        started = await client.files_getUploadURLExternal(
            filename=document.filename, length=len(document.content)
        )
        session = client.session or ClientSession()
        try:
            async with session.post(str(started["upload_url"]), data=document.content) as sent:
                if sent.status != 200:
                    raise DeliveryError(
                        f"Slack did not take the file's bytes ({sent.status})", ambiguous=False
                    )
        finally:
            if client.session is None:
                await session.close()
    except SlackApiError as error:
        code = error.response.get("error", "unknown") if error.response else "unknown"
        raise DeliveryError(f"Slack refused the upload: {code}", ambiguous=False) from error
    except (ClientError, TimeoutError) as error:
        raise DeliveryError(f"the upload failed: {error!r}", ambiguous=False) from error
    return str(started["file_id"])


async def complete(
    client: AsyncWebClient,
    channel_id: str,
    documents: dict[str, Document],
    comment: str,
    thread_id: str | None,
) -> str:
    """Step 3: share the uploaded files (file id -> document) in the channel, and the
    message's ts when Slack already knows it (else the first file's id)."""
    try:
        await client.files_completeUploadExternal(
            files=[{"id": file_id, "title": d.title} for file_id, d in documents.items()],
            channel_id=channel_id,
            initial_comment=comment,
            thread_ts=thread_id,
        )
    except SlackApiError as error:
        status = error.response.status_code if error.response else None
        code = error.response.get("error", "unknown") if error.response else "unknown"
        if status is not None and status >= 500:
            raise DeliveryError(f"Slack answered {status}: {code}", ambiguous=True) from error
        raise DeliveryError(f"Slack refused to share the file: {code}", ambiguous=False) from error
    except (ClientError, TimeoutError) as error:
        raise DeliveryError(f"no answer from Slack: {error!r}", ambiguous=True) from error
    first = next(iter(documents))
    try:
        info = await client.files_info(file=first)
    except (SlackApiError, ClientError, TimeoutError) as error:
        # Shared all the same; only the message's ts is unknown.
        log.info("file %s shared in %s; its message ts is unknown: %r", first, channel_id, error)
        return first
    return _share_ts(info.get("file") or {}, channel_id) or first


def _share_ts(file: dict[str, Any], channel_id: str) -> str | None:
    shares = file.get("shares") or {}
    for kind in ("public", "private"):
        found = (shares.get(kind) or {}).get(channel_id) or []
        if found:
            return str(found[0]["ts"])
    return None


def is_share_of(message: dict[str, Any], reply: Reply, bot_user: str) -> bool:
    """Whether `message` is the bot's own share of the files in `reply`: the same names."""
    files = message.get("files") or []
    if message.get("user") != bot_user or not files:
        return False
    return {f.get("name") for f in files} == {d.filename for d in reply.documents}
