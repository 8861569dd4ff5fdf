"""Slack listeners: acknowledge, translate to the neutral core, dispatch, render.

The app runs with `process_before_response=True`, so a reading is committed before Slack is told
the event arrived: if storing fails, Slack sees an error and delivers the event again. Slow work
(charts, confirmations) happens after the answer, in tracked background tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.slack import render
from bot.slack.messenger import SlackMessenger
from commands.context import Caller, CommandContext
from commands.errors import UserError
from commands.ports import DeliveryError
from commands.presentation.replies import Action, Chart, FormError, Reply, Section, mention
from commands.readings.form import CALLBACK, FormContext, reading_form, submit_form
from commands.readings.recording import Recorded, confirmation
from commands.readings.thread_replies import deletion_notice, edit_key, record_reply
from commands.registry import dispatch, writes
from storage.db import Database
from storage.repositories import PostRepository, ReceiptRepository

log = logging.getLogger(__name__)

PLATFORM = "slack"
TICK = "white_check_mark"
# Message subtypes that carry something a person typed; anything else (joins, topic changes,
# other bots' posts) is not a reading.
_TYPED = {None, "thread_broadcast", "file_share"}


@dataclass
class Services:
    """What the listeners need, built once by the composition root."""

    db: Database
    tz: ZoneInfo
    admins: frozenset[str]
    clock: Callable[[], datetime]
    messenger: SlackMessenger
    background: Background


def typed(text: str) -> str:
    """What the person typed: Slack sends `&`, `<` and `>` as entities."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def error_reply(error: UserError) -> Reply:
    named = " ".join(mention(u) for u in error.mentions)
    return Reply(f"{error} {named}".strip(), (Section(text=str(error), mentions=error.mentions),))


def register(app: AsyncApp, services: Services) -> None:
    """Every listener waymark has, in one place."""
    app.command("/outcome")(_on_outcome_command(services))
    app.event("message")(_on_message(services))
    app.action(Action.SUBMIT_READING.value)(_on_submit_button(services))
    app.action(Action.SHOW_OUTCOME.value)(_on_ignored_action)
    app.view(CALLBACK)(_on_reading_form(services))
    app.error(_on_error)


def _context(services: Services, session: Any, user_id: str, channel_id: str) -> CommandContext:
    caller = Caller(user_id, channel_id, PLATFORM, is_admin=user_id in services.admins)
    return CommandContext(session, caller, services.clock(), services.tz)


def _on_outcome_command(services: Services) -> Callable[..., Any]:
    async def on_outcome_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        user, channel = command["user_id"], command["channel_id"]
        text = typed(command.get("text", ""))
        # Most commands only read: they never queue behind a reading being stored.
        unit = services.db.transaction if writes(text) else services.db.reading
        async with unit() as session:
            ctx = _context(services, session, user, channel)
            try:
                reply = await dispatch(ctx, text)
            except UserError as error:
                reply = error_reply(error)
        if reply.shared:
            await ack()
            services.background.spawn(
                _share(services, reply, channel, respond), f"sharing {command.get('text')!r}"
            )
            return
        await ack(response_type="ephemeral", **render.message(reply))
        for chart in reply.charts:
            services.background.spawn(
                _respond_with_chart(services.messenger, respond, chart, shared=False),
                chart.filename,
            )

    return on_outcome_command


async def _share(services: Services, reply: Reply, channel: str, respond: AsyncRespond) -> None:
    """Post a shared answer as the bot, so that its thread can take readings."""
    try:
        ts = await services.messenger.post(channel, reply)
    except DeliveryError as error:
        # Not in the channel (a DM, a private channel): answer through the command instead.
        log.info("could not post to %s (%s); answering in place", channel, error)
        await respond(response_type="in_channel", **render.message(reply))
        return
    if reply.about:
        async with services.db.transaction() as session:
            await PostRepository(session).record(
                platform=PLATFORM,
                channel_id=channel,
                message_id=ts,
                kind="card",
                outcomes=reply.about,
                posted_at=services.clock(),
            )


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


def _on_message(services: Services) -> Callable[..., Any]:
    async def on_message(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        subtype = event.get("subtype")
        if subtype == "message_changed":
            await _on_edit(services, event, body, client)
        elif subtype == "message_deleted":
            await _on_delete(services, event, client)
        elif subtype in _TYPED and not event.get("bot_id"):
            await _on_reply(services, event, body, client)

    return on_message


async def _on_reply(
    services: Services, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
) -> None:
    thread, ts, channel = event.get("thread_ts"), event["ts"], event["channel"]
    if not thread or thread == ts or not event.get("user"):
        return  # not a reply in a thread
    await _read_in_thread(
        services, client, body, channel, thread, ts, event["user"], typed(event.get("text", "")),
        source_key=f"{PLATFORM}:{channel}:{ts}", corrected=False,
    )  # fmt: skip


async def _on_edit(
    services: Services, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
) -> None:
    message = event.get("message") or {}
    previous = event.get("previous_message") or {}
    thread, ts, user = message.get("thread_ts"), message.get("ts"), message.get("user")
    if not thread or not ts or thread == ts or not user or message.get("bot_id"):
        return
    if message.get("text", "") == previous.get("text", ""):
        return  # an unfurl or a reaction, not a change of words
    edited = (message.get("edited") or {}).get("ts") or event.get("event_ts") or event["ts"]
    await _read_in_thread(
        services, client, body, event["channel"], thread, ts, user, typed(message.get("text", "")),
        source_key=edit_key(f"{PLATFORM}:{event['channel']}:{ts}", edited), corrected=True,
    )  # fmt: skip


async def _read_in_thread(
    services: Services,
    client: AsyncWebClient,
    body: dict[str, Any],
    channel: str,
    thread: str,
    ts: str,
    user: str,
    text: str,
    *,
    source_key: str,
    corrected: bool,
) -> None:
    recorded: Recorded | None = None
    problem: UserError | None = None
    async with services.db.transaction() as session:
        post = await PostRepository(session).find(PLATFORM, channel, thread)
        if post is None or not post.outcomes:
            return  # a thread waymark did not start: nothing to do with us
        event_id = body.get("event_id")
        receipts = ReceiptRepository(session)
        if event_id and not await receipts.first_time(event_id, PLATFORM, services.clock()):
            return  # Slack delivered this event again; it was handled the first time
        ctx = _context(services, session, user, channel)
        try:
            recorded = await record_reply(ctx, tuple(post.outcomes), text, source_key)
        except UserError as error:
            problem = error
    if problem is not None:
        reply = error_reply(problem)
        services.background.spawn(_say_in_thread(client, channel, thread, reply), "explanation")
    elif recorded is not None and not recorded.duplicate:
        words = confirmation(recorded)
        if corrected:
            words = "Thanks for the correction. " + words
        reply = Reply(words, (Section(text=words),))
        services.background.spawn(
            _confirm(client, channel, thread, ts, reply, react=not corrected), "confirmation"
        )


async def _confirm(
    client: AsyncWebClient, channel: str, thread: str, ts: str, reply: Reply, *, react: bool
) -> None:
    if react:
        try:
            await client.reactions_add(channel=channel, timestamp=ts, name=TICK)
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                raise
    await _say_in_thread(client, channel, thread, reply)


async def _say_in_thread(client: AsyncWebClient, channel: str, thread: str, reply: Reply) -> None:
    await client.chat_postMessage(channel=channel, thread_ts=thread, **render.message(reply))


async def _on_delete(services: Services, event: dict[str, Any], client: AsyncWebClient) -> None:
    """Deleting a message does not delete its reading: the history is never rewritten."""
    channel, deleted = event["channel"], event.get("deleted_ts")
    thread = (event.get("previous_message") or {}).get("thread_ts")
    if not deleted or not thread:
        return
    async with services.db.reading() as session:
        post = await PostRepository(session).find(PLATFORM, channel, thread)
        if post is None or not post.outcomes:
            return  # a thread waymark did not start
        words = await deletion_notice(
            session, tuple(post.outcomes), f"{PLATFORM}:{channel}:{deleted}"
        )
    if words is None:
        return  # it gave no reading
    services.background.spawn(
        _say_in_thread(client, channel, thread, Reply(words, (Section(text=words),))), "deletion"
    )


def _on_submit_button(services: Services) -> Callable[..., Any]:
    async def on_submit_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body["container"].get("channel_id", "")
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        number = int(body["actions"][0]["value"])
        async with services.db.reading() as session:
            ctx = _context(services, session, user, channel)
            try:
                form = await reading_form(ctx, number, FormContext(number, channel, thread))
            except UserError as error:
                reply = error_reply(error)
                await respond(
                    response_type="ephemeral", replace_original=False, **render.message(reply)
                )
                return
        await client.views_open(trigger_id=body["trigger_id"], view=render.modal(form))

    return on_submit_button


def _on_reading_form(services: Services) -> Callable[..., Any]:
    async def on_reading_form(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        user = body["user"]["id"]
        where = FormContext.load(view.get("private_metadata") or "{}")
        values = {k: typed(v) for k, v in render.submitted_values(view).items()}
        async with services.db.transaction() as session:
            ctx = _context(services, session, user, where.channel_id)
            try:
                recorded = await submit_form(ctx, values, where)
            except FormError as error:
                await ack(response_action="errors", errors=error.errors)
                return
            except UserError as error:
                await ack(response_action="errors", errors={"value": str(error)})
                return
        await ack()
        reply = Reply(confirmation(recorded), (Section(text=confirmation(recorded)),))
        services.background.spawn(_confirm_form(client, where, user, reply), "form confirmation")

    return on_reading_form


async def _confirm_form(
    client: AsyncWebClient, where: FormContext, user: str, reply: Reply
) -> None:
    if where.thread_id:
        await _say_in_thread(client, where.channel_id, where.thread_id, reply)
    else:
        await client.chat_postEphemeral(
            channel=where.channel_id, user=user, **render.message(reply)
        )


async def _on_ignored_action(ack: AsyncAck) -> None:
    await ack()


async def _on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None) -> None:
    log.error("failed to handle a Slack request (%s): %r", body.get("type"), error, exc_info=error)
    if respond is not None and body.get("response_url"):
        try:
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text="Sorry, something went wrong on waymark's side and nothing was changed. "
                "Please try again in a minute; if it keeps happening, tell your performance team.",
            )
        except Exception:  # the error handler must never raise
            log.exception("could not tell the user about the error")
