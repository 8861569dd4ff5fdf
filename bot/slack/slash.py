"""The `/outcome` slash command: acknowledged with the answer, or with nothing when the answer is
shared (posted as the bot, after). An answer kept in memory (`commands.answer_cache`) is kept as
the body of its acknowledgement (`acknowledgement`), and sent as it is: drawing the card as Block
Kit and encoding it was most of what a kept answer cost beyond Bolt itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from slack_bolt import Ack
from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapter import Adapter
from bot.slack import door, render
from bot.slack.messenger import SlackMessenger
from commands.events import AnswerPosted, Command
from commands.ports import DeliveryError
from commands.presentation.replies import Chart, Reply

log = logging.getLogger(__name__)

PLATFORM = "slack"

Slack = Adapter[SlackMessenger]


def acknowledgement(reply: Reply) -> str | None:
    """The body Bolt sends for `ack(response_type="ephemeral", **render.message(reply))`, made by
    Bolt's own `Ack` (so byte for byte what the listener would send): how a kept answer is
    kept. None for an answer that is more than its acknowledgement (shared, or with charts)."""
    if reply.shared or reply.charts:
        return None
    ack = Ack()  # type: ignore[no-untyped-call]  # Bolt leaves its __init__ unannotated
    return ack(response_type="ephemeral", **render.message(reply)).body


def learn_name(slack: Slack, client: AsyncWebClient, user_id: str) -> None:
    """Ask Slack for the person's name the first time they use waymark, so that history, cards
    and the digest name them (after the answer: nothing waits for it)."""
    if not slack.core.wants_name(PLATFORM, user_id):
        return

    async def lookup() -> str | None:
        try:
            found = await client.users_info(user=user_id)
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as error:
            # Without the users:read scope, or with Slack down, they are shown by their id.
            log.info("could not look up the name of %s: %r", user_id, error)
            return None
        user = found.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("real_name") or user.get("real_name") or profile.get("display_name")
        return str(name) if name else None

    slack.background.spawn(slack.core.person_seen(PLATFORM, user_id, lookup), "learning a name")


def on_outcome_command(slack: Slack) -> Callable[..., Any]:
    """The listener; answers kept from now on are kept as their acknowledgements too."""
    slack.core.answers.pack_for(PLATFORM, acknowledgement)

    async def on_outcome(
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        request: AsyncBoltRequest,
    ) -> BoltResponse | None:
        with door.reading("a slash command"):
            user, channel = door.text(command["user_id"]), door.text(command["channel_id"])
            text = door.typed(door.text(command.get("text", "")))
        learn_name(slack, client, user)
        event = Command(PLATFORM, channel, user, text, receipt=door.receipt(request.headers))
        reply = await slack.core.command_packed(event)
        if not isinstance(reply, Reply):
            # Kept as `ack()` would have made it: Bolt sends the response a listener returns.
            return BoltResponse(status=200, body=reply)
        if reply.shared:
            await ack()
            slack.background.spawn(_share(slack, reply, channel, respond), f"sharing {text!r}")
            return None
        await ack(response_type="ephemeral", **render.message(reply))
        for chart in reply.charts:
            slack.background.spawn(
                _respond_with_chart(slack.messenger, respond, chart, shared=False),
                chart.filename,
            )
        return None

    return on_outcome


async def _share(slack: Slack, reply: Reply, channel: str, respond: AsyncRespond) -> None:
    """Post a shared answer as the bot, so that its thread can take readings."""
    try:
        ts = await slack.messenger.post(channel, reply)
    except DeliveryError as error:
        # Not in the channel (a DM, a private channel): answer through the command instead.
        log.info("could not post to %s (%s); answering in place", channel, error)
        await respond(response_type="in_channel", **render.message(reply))
        return
    await slack.core.answer_posted(AnswerPosted(PLATFORM, channel, ts, reply))


async def _respond_with_chart(
    messenger: SlackMessenger, respond: AsyncRespond, chart: Chart, *, shared: bool
) -> None:
    """Show the chart through the command's response URL, so that an ephemeral answer's chart
    is ephemeral too."""
    file_id = await messenger.upload_chart(chart)
    if file_id is None:
        return
    await respond(
        text=chart.title,
        blocks=[render.image(file_id, chart)],
        response_type="in_channel" if shared else "ephemeral",
        replace_original=False,
    )
