"""Teams handlers: translate an activity to a core event, hand it to the core, render the answer.

- A message in a personal chat, or one that @mentions waymark in a channel or group chat, is a
  command: `outcome 12 history` (`/outcome` and a bare `12 history` work too).
- A message in the thread of a post waymark made about outcomes (a reminder, a shared card) is
  a reading, exactly as a Slack thread reply: with an @mention, or without one when the team
  granted the `ChannelMessage.Read.Group` permission (Teams then sends every channel message).
- Editing such a reply (a `messageUpdate`, `editMessage`) corrects the reading, as an edit in
  Slack does: the edited text is read again and recorded as a new entry that supersedes the
  old one, which stays in the history. Deleting it (`messageDelete`, `softDeleteMessage`) keeps
  the reading, and the thread is told how to correct it. Teams sends both under the same
  conditions as the message itself.
- A card's Submit (`Action.Execute`, an `adaptiveCard/action` invoke): see `cards.py`.
- Being added to a team, a chat or a channel stores where waymark may post unprompted: see
  `installs.py`.

Readings are committed before Teams is answered, and each activity is recorded once (its id,
and for an edit or a deletion its time too, as those carry the message's id), so a delivery
Teams repeats is not read twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any

from microsoft_teams.api.activities.message import (
    MessageActivity,
    MessageDeleteActivity,
    MessageUpdateActivity,
)
from microsoft_teams.apps import ActivityContext, App

from bot.teams import cards, installs
from bot.teams.answering import Teams, inbound_of, post_answer, remember, say, sorry
from bot.teams.conversations import PLATFORM, Inbound, mentions_bot, typed
from commands.events import Command, ReplyDeleted, ReplyEdited, ThreadReply

log = logging.getLogger(__name__)

_COMMAND_WORD = re.compile(r"^/?outcomes?\b[:,]?\s*", re.IGNORECASE)


def register(app: App, teams: Teams) -> None:
    """Every handler waymark has in Teams, in one place."""
    # Teams answers from a kept answer's `Reply` (an Adaptive Card is drawn from it).
    teams.core.answers.keep_replies_for(PLATFORM)
    app.on_message(_on_message(teams))
    app.on_edit_message(_on_edit(teams))
    app.on_soft_delete_message(_on_delete(teams))
    # No handler for `undeleteMessage`: deleting never took the reading away, so bringing the
    # message back has nothing to restore; reading its words again would only enter the same
    # value in the history a second time.
    app.on_card_action_execute(cards.on_card_action(teams))
    app.on_conversation_update(installs.on_conversation_update(teams))
    app.on_install_add(installs.on_install(teams))
    app.on_install_remove(installs.on_uninstall(teams))
    app.event("error")(_on_error)


def _on_message(teams: Teams) -> Callable[..., Any]:
    async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
        inbound = inbound_of(ctx.activity)
        if inbound.from_bot:
            return
        try:
            await _handle_message(teams, inbound)
        except Exception:
            # Logged with the activity, and the person told; the error is not raised again,
            # or Teams would deliver the message again and get the same error.
            log.exception("failed to handle Teams message %s in %s", inbound.id, inbound.channel_id)
            await sorry(teams, inbound)

    return on_message


async def _handle_message(teams: Teams, inbound: Inbound) -> None:
    await remember(teams, inbound)
    text = typed(inbound)
    if inbound.kind == "channel" and inbound.thread_id:
        reply = ThreadReply(
            PLATFORM,
            inbound.channel_id,
            inbound.thread_id,
            inbound.id,
            inbound.user_id,
            text,
            receipt=f"{PLATFORM}:{inbound.id}" if inbound.id else None,
        )
        answer = await teams.core.thread_reply(reply)
        if answer is not None:
            if answer.reply is not None:
                await say(teams, inbound, answer.reply)
            return
    if inbound.kind == "personal" or mentions_bot(inbound):
        words = _COMMAND_WORD.sub("", text, count=1)
        command = Command(PLATFORM, inbound.channel_id, inbound.user_id, words)
        await post_answer(teams, inbound, await teams.core.command(command))
    # Anything else is a channel message Teams sent because of the RSC permission,
    # not meant for waymark.


def _is_reply(inbound: Inbound) -> bool:
    """A reply in a channel thread: not the thread's first message, not a chat."""
    return (
        inbound.kind == "channel"
        and inbound.thread_id is not None
        and inbound.thread_id != inbound.id
        and not inbound.from_bot
    )


def _when_changed(inbound: Inbound) -> str:
    """What tells one edit (or deletion) of a message from another: Teams gives each its own
    time. Without one, the words stand in, so a repeated delivery still matches."""
    stamp = str(inbound.raw.get("timestamp") or "")
    if stamp:
        return stamp
    return "text-" + hashlib.sha256(str(inbound.raw.get("text") or "").encode()).hexdigest()[:16]


def _on_edit(teams: Teams) -> Callable[..., Any]:
    async def on_edit(ctx: ActivityContext[MessageUpdateActivity]) -> None:
        inbound = inbound_of(ctx.activity)
        if not _is_reply(inbound):
            return
        assert inbound.thread_id is not None
        edited = _when_changed(inbound)
        edit = ReplyEdited(
            PLATFORM,
            inbound.channel_id,
            inbound.thread_id,
            inbound.id,
            inbound.user_id,
            typed(inbound),
            edited,
            receipt=f"{PLATFORM}:{inbound.id}:edit:{edited}" if inbound.id else None,
        )
        try:
            await remember(teams, inbound)
            answer = await teams.core.reply_edited(edit)
            if answer is not None and answer.reply is not None:
                await say(teams, inbound, answer.reply)
        except Exception:
            # As for a message: logged, the person told, and not raised again.
            log.exception("failed to handle an edit of %s in %s", inbound.id, inbound.channel_id)
            await sorry(teams, inbound)

    return on_edit


def _on_delete(teams: Teams) -> Callable[..., Any]:
    async def on_delete(ctx: ActivityContext[MessageDeleteActivity]) -> None:
        inbound = inbound_of(ctx.activity)
        if not _is_reply(inbound):
            return
        assert inbound.thread_id is not None
        gone = ReplyDeleted(
            PLATFORM,
            inbound.channel_id,
            inbound.thread_id,
            inbound.id,
            receipt=f"{PLATFORM}:{inbound.id}:delete:{_when_changed(inbound)}",
        )
        try:
            notice = await teams.core.reply_deleted(gone)
            if notice is not None:
                await say(teams, inbound, notice)
        except Exception:
            log.exception("failed to handle a deletion of %s in %s", inbound.id, inbound.channel_id)
            await sorry(teams, inbound)

    return on_delete


async def _on_error(event: Any) -> None:
    error = getattr(event, "error", None)
    activity = getattr(event, "activity", None)
    log.error(
        "failed to handle a Teams activity (%s): %r",
        getattr(activity, "type", "?"),
        error,
        exc_info=error if isinstance(error, BaseException) else None,
    )
