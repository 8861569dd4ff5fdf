"""Slack listeners: acknowledge, translate to the neutral core, dispatch, render.

The app runs with `process_before_response=True`, so a reading is committed before Slack is told
the event arrived: if storing fails, Slack sees an error and delivers the event again. Slow work
(charts, confirmations) happens after the answer, in tracked background tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapter import Adapter
from bot.slack import door, render
from bot.slack.messenger import SlackMessenger
from bot.slack.slash import PLATFORM, learn_name, on_outcome_command
from commands.answers import ThreadAnswer
from commands.events import (
    ButtonPressed,
    FormSubmitted,
    ReplyDeleted,
    ReplyEdited,
    ThreadReply,
    UpdateSubmitted,
)
from commands.plans import updating
from commands.presentation.replies import (
    Action,
    Reply,
    text_reply,
)
from commands.readings.form import CALLBACK, FormContext

log = logging.getLogger(__name__)

TICK = "white_check_mark"
# Message subtypes that carry something a person typed; anything else (joins, topic changes,
# other bots' posts) is not a reading.
_TYPED = {None, "thread_broadcast", "file_share"}

Slack = Adapter[SlackMessenger]


def register(app: AsyncApp, slack: Slack) -> None:
    """Every listener waymark has, in one place."""
    app.command("/outcome")(on_outcome_command(slack))
    app.event("message")(_on_message(slack))
    app.action(Action.SUBMIT_READING.value)(_on_form_button(slack, Action.SUBMIT_READING))
    app.action(Action.UPDATE_ACTION.value)(_on_form_button(slack, Action.UPDATE_ACTION))
    app.action(Action.SHOW_OUTCOME.value)(_on_ignored_action)
    for action in (Action.APPROVE_READING, Action.KEEP_FIGURE):
        app.action(action.value)(_on_reading_button(slack, action))
    app.view(CALLBACK)(_on_reading_form(slack))
    app.view(updating.CALLBACK)(_on_update_form(slack))
    app.error(_on_error)


def _on_message(slack: Slack) -> Callable[..., Any]:
    async def on_message(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        with door.reading("a message event"):
            subtype = door.optional_text(event.get("subtype"))
        if subtype == "message_changed":
            await _on_edit(slack, event, body, client)
        elif subtype == "message_deleted":
            await _on_delete(slack, event, body, client)
        elif subtype in _TYPED and not event.get("bot_id"):
            await _on_reply(slack, event, body, client)

    return on_message


async def _on_reply(
    slack: Slack, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
) -> None:
    with door.reading("a message event"):
        thread, ts = door.optional_text(event.get("thread_ts")), door.text(event["ts"])
        channel, user = door.text(event["channel"]), door.optional_text(event.get("user"))
        words = door.typed(door.text(event.get("text") or ""))
    if not thread or thread == ts or not user:
        return  # not a reply in a thread
    learn_name(slack, client, user)
    reply = ThreadReply(
        PLATFORM, channel, thread, ts, user, words, receipt=door.optional_text(body.get("event_id"))
    )
    _answer_in_thread(slack, client, reply, await slack.core.thread_reply(reply))


async def _on_edit(
    slack: Slack, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
) -> None:
    with door.reading("an edit"):
        message = event.get("message") or {}
        previous = event.get("previous_message") or {}
        thread = door.optional_text(message.get("thread_ts"))
        ts, user = door.optional_text(message.get("ts")), door.optional_text(message.get("user"))
        if not thread or not ts or thread == ts or not user or message.get("bot_id"):
            return
        words = door.text(message.get("text") or "")
        if words == previous.get("text", ""):
            return  # an unfurl or a reaction, not a change of words
        edited = door.text(
            (message.get("edited") or {}).get("ts") or event.get("event_ts") or event["ts"]
        )
        channel, receipt = door.text(event["channel"]), door.optional_text(body.get("event_id"))
    edit = ReplyEdited(
        PLATFORM, channel, thread, ts, user, door.typed(words), edited, receipt=receipt
    )
    _answer_in_thread(slack, client, edit, await slack.core.reply_edited(edit))


def _answer_in_thread(
    slack: Slack,
    client: AsyncWebClient,
    event: ThreadReply | ReplyEdited,
    answer: ThreadAnswer | None,
) -> None:
    """Say it after Slack is answered: the reading is stored already."""
    if answer is None or answer.reply is None:
        return
    confirm = _confirm(
        client, event.channel_id, event.thread_id, event.message_id, answer.reply,
        react=answer.react_tick,
    )  # fmt: skip
    slack.background.spawn(confirm, "answer in thread")


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


async def _on_delete(
    slack: Slack, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
) -> None:
    """Deleting a message does not delete its reading: the history is never rewritten."""
    with door.reading("a deletion"):
        channel, deleted = door.text(event["channel"]), door.optional_text(event.get("deleted_ts"))
        thread = door.optional_text((event.get("previous_message") or {}).get("thread_ts"))
        receipt = door.optional_text(body.get("event_id"))
    if not deleted or not thread:
        return
    gone = ReplyDeleted(PLATFORM, channel, thread, deleted, receipt=receipt)
    notice = await slack.core.reply_deleted(gone)
    if notice is not None:
        slack.background.spawn(_say_in_thread(client, channel, thread, notice), "deletion")


def _on_form_button(slack: Slack, action: Action) -> Callable[..., Any]:
    """Submit reading, Give an update: the form, or why the person cannot use it."""

    async def on_form_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        pressed = _pressed(body, action)
        await ack()
        learn_name(slack, client, pressed.user_id)
        answer = await slack.core.button_pressed(pressed)
        if answer.form is not None:
            with door.reading("a button"):
                trigger = door.text(body["trigger_id"])
            await client.views_open(trigger_id=trigger, view=render.modal(answer.form))
            return
        reply = answer.reply or text_reply(answer.note)
        await respond(response_type="ephemeral", replace_original=False, **render.message(reply))

    return on_form_button


def _on_reading_button(slack: Slack, action: Action) -> Callable[..., Any]:
    async def on_reading_button(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        pressed = _pressed(body, action)
        await ack()
        ephemeral = (body.get("container") or {}).get("is_ephemeral")
        answer = await slack.core.button_pressed(pressed)
        reply = answer.reply or text_reply(answer.note)
        if reply.shared and pressed.thread_id and not ephemeral:
            # An approval is for everyone in the thread to see.
            await _say_in_thread(client, pressed.channel_id, pressed.thread_id, reply)
            return
        await respond(response_type="ephemeral", replace_original=False, **render.message(reply))

    return on_reading_button


def _on_reading_form(slack: Slack) -> Callable[..., Any]:
    async def on_reading_form(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        with door.reading("a reading form"):
            user = door.text(body["user"]["id"])
            where = FormContext.load(door.text(view.get("private_metadata") or "{}"))
            door.optional_text(where.thread_id)
            values = {k: door.typed(door.text(v)) for k, v in render.submitted_values(view).items()}
        learn_name(slack, client, user)
        form = FormSubmitted(
            PLATFORM, where.channel_id, where.thread_id, user, where.number, values
        )
        answer = await slack.core.form_submitted(form)
        if answer.errors or answer.confirmation is None:
            await ack(response_action="errors", errors=dict(answer.errors))
            return
        await ack()
        reply = answer.reply or text_reply(answer.confirmation)
        slack.background.spawn(_confirm_form(client, where, user, reply), "form confirmation")

    return on_reading_form


def _on_update_form(slack: Slack) -> Callable[..., Any]:
    async def on_update_form(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        with door.reading("an update form"):
            user = door.text(body["user"]["id"])
            where = updating.FormContext.load(door.text(view.get("private_metadata") or "{}"))
            door.optional_text(where.thread_id)
            values = {k: door.typed(door.text(v)) for k, v in render.submitted_values(view).items()}
        form = UpdateSubmitted(
            PLATFORM, where.channel_id, where.thread_id, user, where.action_id, values
        )
        answer = await slack.core.update_submitted(form)
        if answer.errors or answer.confirmation is None:
            await ack(response_action="errors", errors=dict(answer.errors))
            return
        await ack()
        reply = text_reply(answer.confirmation)
        slack.background.spawn(_confirm_form(client, where, user, reply), "update confirmation")

    return on_update_form


async def _confirm_form(
    client: AsyncWebClient, where: FormContext | updating.FormContext, user: str, reply: Reply
) -> None:
    if where.thread_id:
        await _say_in_thread(client, where.channel_id, where.thread_id, reply)
    else:
        await client.chat_postEphemeral(
            channel=where.channel_id, user=user, **render.message(reply)
        )


def _pressed(body: dict[str, Any], action: Action) -> ButtonPressed:
    """The button a block_actions payload says was pressed, where."""
    with door.reading("a button"):
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
        thread = message.get("thread_ts") or container.get("thread_ts") or message.get("ts")
        door.text(body["response_url"])  # where the answer goes: Slack gives every button one
        return ButtonPressed(
            PLATFORM, door.text(channel), door.optional_text(thread),
            door.text(body["user"]["id"]), action, door.text(body["actions"][0]["value"]),
        )  # fmt: skip


async def _on_ignored_action(ack: AsyncAck) -> None:
    await ack()


async def _on_error(
    error: Exception, body: dict[str, Any], respond: AsyncRespond | None
) -> BoltResponse | None:
    if isinstance(error, door.MalformedRequestError):
        log.warning("refused a malformed Slack request (%s) with 400: %s", body.get("type"), error)
        return BoltResponse(status=400, body="malformed request")
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
    return None
