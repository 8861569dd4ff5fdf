"""Teams handlers: translate an activity to the neutral core, dispatch, render as a card.

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
- A card's Submit (`Action.Execute`, an `adaptiveCard/action` invoke) records the reading typed
  in its boxes; the answer is the card again, with errors under the boxes or thanks in place.
- Being added to a team, a chat or a channel stores where waymark may post unprompted.

Readings are committed before Teams is answered, and each activity is recorded once (its id,
and for an edit or a deletion its time too, as those carry the message's id), so a delivery
Teams repeats is not read twice.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from microsoft_teams.api import ApiClient
from microsoft_teams.api.activities import ConversationUpdateActivity
from microsoft_teams.api.activities.install_update import InstalledActivity, UninstalledActivity
from microsoft_teams.api.activities.invoke import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.message import (
    MessageActivity,
    MessageDeleteActivity,
    MessageUpdateActivity,
)
from microsoft_teams.apps import ActivityContext, App
from sqlalchemy.ext.asyncio import AsyncSession

from bot.background import Background
from bot.teams import render
from bot.teams.conversations import (
    PLATFORM,
    Inbound,
    forget_team,
    remember,
    remember_team,
    thread_conversation,
)
from bot.teams.messenger import Target, TeamsMessenger, names_for, send
from commands.context import Caller, CommandContext
from commands.delivery.reply_codec import CodecError, decode
from commands.errors import UserError
from commands.presentation.replies import Action, FormError, Reply, Section, mention
from commands.readings.form import FormContext, submit_form
from commands.readings.recording import Recorded, confirmation
from commands.readings.thread_replies import deletion_notice, edit_key, record_reply
from commands.registry import dispatch, help_reply
from storage.db import Database
from storage.repositories import PostRepository, ReceiptRepository, SentCardRepository

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on waymark's side and nothing was changed. Please try again "
    "in a minute; if it keeps happening, tell your performance team."
)
_COMMAND_WORD = re.compile(r"^/?outcomes?\b[:,]?\s*", re.IGNORECASE)


@dataclass
class Services:
    """What the handlers need, built once by `bot.teams.app`."""

    db: Database
    tz: ZoneInfo
    admins: frozenset[str]
    clock: Callable[[], datetime]
    messenger: TeamsMessenger
    background: Background

    @property
    def api(self) -> ApiClient:
        return self.messenger.api


def register(app: App, services: Services) -> None:
    """Every handler waymark has in Teams, in one place."""
    app.on_message(_on_message(services))
    app.on_edit_message(_on_edit(services))
    app.on_soft_delete_message(_on_delete(services))
    # No handler for `undeleteMessage`: deleting never took the reading away, so bringing the
    # message back has nothing to restore; reading its words again would only enter the same
    # value in the history a second time.
    app.on_card_action_execute(_on_card_action(services))
    app.on_conversation_update(_on_conversation_update(services))
    app.on_install_add(_on_install(services))
    app.on_install_remove(_on_uninstall(services))
    app.event("error")(_on_error)


def error_reply(error: UserError) -> Reply:
    named = " ".join(mention(u) for u in error.mentions)
    return Reply(f"{error} {named}".strip(), (Section(text=str(error), mentions=error.mentions),))


def typed(inbound: Inbound) -> str:
    """What the person typed, without waymark's @mention and Teams' HTML."""
    text = str(inbound.raw.get("text") or "")
    for entity in inbound.raw.get("entities") or []:
        if (
            entity.get("type") == "mention"
            and (entity.get("mentioned") or {}).get("id") == inbound.bot_id
        ):
            text = text.replace(str(entity.get("text") or ""), " ")
    text = (
        re.sub(r"<at>[^<]*</at>", " ", text) if "<at>" in text and _mentions_bot(inbound) else text
    )
    text = re.sub(r"<br\s*/?>|</p>|</div>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).replace("\xa0", " ").strip()


def _mentions_bot(inbound: Inbound) -> bool:
    return any(
        e.get("type") == "mention" and (e.get("mentioned") or {}).get("id") == inbound.bot_id
        for e in inbound.raw.get("entities") or []
    )


def where_for(inbound: Inbound, names: dict[str, str] | None = None) -> render.Where:
    command = "outcome" if inbound.kind == "personal" else "@waymark outcome"
    return render.Where(command, names or {})


def _context(services: Services, session: AsyncSession, inbound: Inbound) -> CommandContext:
    user = inbound.user_id
    caller = Caller(user, inbound.channel_id, PLATFORM, is_admin=user in services.admins)
    return CommandContext(session, caller, services.clock(), services.tz)


def _inbound(activity: Any) -> Inbound:
    return Inbound(activity.model_dump(by_alias=True, exclude_none=True, mode="json"))


async def _say(services: Services, inbound: Inbound, reply: Reply) -> str:
    """Answer in the conversation (in a channel, in the thread) the activity came from."""
    where = where_for(inbound, await names_for(services.db, [reply]))
    target = Target(inbound.conversation_id, inbound.service_url, inbound.bot_id)
    message_id = await send(services.api, target, render.message(reply, where))
    for chart in reply.charts:
        services.background.spawn(services.messenger.post_chart(target, chart), chart.filename)
    return message_id


def _on_message(services: Services) -> Callable[..., Any]:
    async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
        inbound = _inbound(ctx.activity)
        if inbound.from_bot:
            return
        try:
            await _handle_message(services, inbound)
        except Exception:
            # Logged with the activity, and the person told; the error is not raised again,
            # or Teams would deliver the message again and get the same error.
            log.exception("failed to handle Teams message %s in %s", inbound.id, inbound.channel_id)
            await _sorry(services, inbound)

    return on_message


async def _sorry(services: Services, inbound: Inbound) -> None:
    try:
        await _say(services, inbound, Reply(SORRY, (Section(text=SORRY),)))
    except Exception:  # the error path must never raise
        log.exception("could not tell the person about the error")


async def _handle_message(services: Services, inbound: Inbound) -> None:
    async with services.db.transaction() as session:
        await remember(session, inbound, services.clock())
    text = typed(inbound)
    mentioned = _mentions_bot(inbound)
    if inbound.kind == "channel" and inbound.thread_id and await _reading(services, inbound, text):
        return
    if inbound.kind == "personal" or mentioned:
        await _command(services, inbound, text)
    # Anything else is a channel message Teams sent because of the RSC permission,
    # not meant for waymark.


async def _command(services: Services, inbound: Inbound, text: str) -> None:
    words = _COMMAND_WORD.sub("", text, count=1)
    async with services.db.transaction() as session:
        ctx = _context(services, session, inbound)
        try:
            reply = await dispatch(ctx, words) if words else help_reply()
        except UserError as error:
            reply = error_reply(error)
    message_id = await _say(services, inbound, reply)
    if render.has_inputs(reply):
        await services.messenger.keep_card(inbound.channel_id, message_id, reply)
    if inbound.kind != "channel" or not reply.about:
        return
    async with services.db.transaction() as session:
        # Replies in this thread are readings for the outcomes the answer is about.
        await PostRepository(session).record(
            platform=PLATFORM,
            channel_id=inbound.channel_id,
            message_id=inbound.thread_id or message_id,
            kind="card",
            outcomes=reply.about,
            posted_at=services.clock(),
        )


async def _reading(
    services: Services,
    inbound: Inbound,
    text: str,
    *,
    receipt: str | None = None,
    source_key: str | None = None,
    corrected: bool = False,
) -> bool:
    """Read a reply in the thread of a post about outcomes. True when it was one (recorded,
    or explained), False when the thread or the words are not about readings.

    `receipt` and `source_key` default to the message's own; an edit gives its own, so that
    each edit is one correction however often Teams delivers it."""
    assert inbound.thread_id is not None
    receipt = receipt or f"{PLATFORM}:{inbound.id}"
    source_key = source_key or _message_key(inbound)
    recorded: Recorded | None = None
    problem: UserError | None = None
    async with services.db.transaction() as session:
        post = await PostRepository(session).find(PLATFORM, inbound.channel_id, inbound.thread_id)
        if post is None or not post.outcomes:
            return False  # a thread waymark did not start
        if inbound.id and not await ReceiptRepository(session).first_time(
            receipt, PLATFORM, services.clock()
        ):
            return True  # Teams delivered this again; it was handled the first time
        ctx = _context(services, session, inbound)
        try:
            recorded = await record_reply(ctx, tuple(post.outcomes), text, source_key)
        except UserError as error:
            problem = error
    if problem is not None:
        await _say(services, inbound, error_reply(problem))
        return True
    if recorded is None:
        return False  # chat ("thanks"), or a command for waymark
    if not recorded.duplicate:
        words = confirmation(recorded)
        if corrected:
            words = "Thanks for the correction. " + words
        await _say(services, inbound, Reply(words, (Section(text=words),)))
    return True


def _message_key(inbound: Inbound) -> str:
    """The source key of the reading a channel message gave: the same for its edits and its
    deletion, which carry the message's id."""
    return f"{PLATFORM}:{inbound.channel_id}:{inbound.id}"


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


def _on_edit(services: Services) -> Callable[..., Any]:
    async def on_edit(ctx: ActivityContext[MessageUpdateActivity]) -> None:
        inbound = _inbound(ctx.activity)
        if not _is_reply(inbound):
            return
        edited = _when_changed(inbound)
        try:
            async with services.db.transaction() as session:
                await remember(session, inbound, services.clock())
            await _reading(
                services,
                inbound,
                typed(inbound),
                receipt=f"{PLATFORM}:{inbound.id}:edit:{edited}",
                source_key=edit_key(_message_key(inbound), edited),
                corrected=True,
            )
        except Exception:
            # As for a message: logged, the person told, and not raised again.
            log.exception("failed to handle an edit of %s in %s", inbound.id, inbound.channel_id)
            await _sorry(services, inbound)

    return on_edit


def _on_delete(services: Services) -> Callable[..., Any]:
    async def on_delete(ctx: ActivityContext[MessageDeleteActivity]) -> None:
        inbound = _inbound(ctx.activity)
        if not _is_reply(inbound):
            return
        assert inbound.thread_id is not None
        try:
            async with services.db.transaction() as session:
                post = await PostRepository(session).find(
                    PLATFORM, inbound.channel_id, inbound.thread_id
                )
                if post is None or not post.outcomes:
                    return  # a thread waymark did not start
                notice = await deletion_notice(session, tuple(post.outcomes), _message_key(inbound))
                receipt = f"{PLATFORM}:{inbound.id}:delete:{_when_changed(inbound)}"
                if notice is None or not await ReceiptRepository(session).first_time(
                    receipt, PLATFORM, services.clock()
                ):
                    return  # it gave no reading, or Teams delivered this again
            await _say(services, inbound, Reply(notice, (Section(text=notice),)))
        except Exception:
            log.exception("failed to handle a deletion of %s in %s", inbound.id, inbound.channel_id)
            await _sorry(services, inbound)

    return on_delete


def _on_card_action(services: Services) -> Callable[..., Any]:
    async def on_card_action(ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> dict[str, Any]:
        inbound = _inbound(ctx.activity)
        action = (inbound.raw.get("value") or {}).get("action") or {}
        data: dict[str, Any] = action.get("data") or {}
        verb = str(data.get("action") or action.get("verb") or "")
        async with services.db.transaction() as session:
            await remember(session, inbound, services.clock())
        if verb == Action.SUBMIT_READING.value and str(data.get("outcome", "")).isdigit():
            return await _submit_reading(services, inbound, int(data["outcome"]), data)
        if verb in {Action.SHOW_OUTCOME.value, Action.NEXT_PAGE.value}:
            await _command(services, inbound, str(data.get("value", "")))
            return _message_response("Done.")
        return _message_response("That button does nothing any more.")

    return on_card_action


async def _submit_reading(
    services: Services, inbound: Inbound, number: int, data: dict[str, Any]
) -> dict[str, Any]:
    """Record the reading typed in a card's boxes; answer with the card again."""
    values = {
        name: _typed_value(data.get(render.input_id(name, number)))
        for name in ("value", "period", "note")
    }
    where = FormContext(number, inbound.channel_id, inbound.thread_id)
    message_id = str(inbound.raw.get("replyToId") or "")
    entry: render.Entry
    recorded: Recorded | None = None
    async with services.db.transaction() as session:
        ctx = _context(services, session, inbound)
        try:
            recorded = await submit_form(ctx, values, where)
        except FormError as error:
            entry = render.Entry(values["value"], values["period"], values["note"], error.errors)
        except UserError as error:
            entry = render.Entry(values["value"], values["period"], errors={"value": str(error)})
        else:
            entry = render.Entry(done=confirmation(recorded))
        card = await _card_again(services, session, inbound, message_id, number, entry, data)
    if recorded is not None and inbound.kind == "channel":
        # Everyone in the thread sees what was recorded, as with a reply in Slack.
        root = inbound.thread_id or message_id
        services.background.spawn(
            _confirm_in_thread(services, inbound, root, confirmation(recorded)),
            "card confirmation",
        )
    if card is not None:
        return card
    return _message_response(entry.done or "; ".join(entry.errors.values()))


async def _confirm_in_thread(services: Services, inbound: Inbound, root: str, words: str) -> None:
    target = Target(
        thread_conversation(inbound.channel_id, root), inbound.service_url, inbound.bot_id
    )
    await send(services.api, target, render.text_message(words, where_for(inbound)))


async def _card_again(
    services: Services,
    session: AsyncSession,
    inbound: Inbound,
    message_id: str,
    number: int,
    entry: render.Entry,
    data: dict[str, Any],
) -> dict[str, Any] | None:
    """The submitted card, shown again with this outcome's boxes as `entry` says and what was
    typed in the others kept. None when the card was not kept (answered with words instead)."""
    cards = SentCardRepository(session)
    kept = await cards.find(PLATFORM, inbound.channel_id, message_id)
    if kept is None:
        return None
    try:
        reply = decode(kept.payload["reply"])
    except (CodecError, KeyError) as error:
        log.warning("kept card %s cannot be read back: %s", message_id, error)
        return None
    done: dict[str, str] = dict(kept.payload.get("done") or {})
    if entry.done is not None:
        done[str(number)] = entry.done
        kept.payload = {**kept.payload, "done": done}
    entries: dict[int, render.Entry] = {}
    for other in render.submit_numbers(reply):
        if str(other) in done:
            entries[other] = render.Entry(done=done[str(other)])
        elif other != number:
            entries[other] = render.Entry(
                _typed_value(data.get(render.input_id("value", other))),
                _typed_value(data.get(render.input_id("period", other))),
            )
    entries.setdefault(number, entry)
    names = await names_for(services.db, [reply])
    return render.card_response(render.message(reply, where_for(inbound, names), entries))


def _typed_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _message_response(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


def _on_conversation_update(services: Services) -> Callable[..., Any]:
    async def on_conversation_update(ctx: ActivityContext[ConversationUpdateActivity]) -> None:
        inbound = _inbound(ctx.activity)
        added = [m.get("id") for m in inbound.raw.get("membersAdded") or []]
        removed = [m.get("id") for m in inbound.raw.get("membersRemoved") or []]
        if inbound.bot_id in removed and inbound.team_id:
            forgotten = await forget_team(services.db, inbound.team_id)
            log.info("removed from team %s: %s channels forgotten", inbound.team_id, forgotten)
            return
        async with services.db.transaction() as session:
            await remember(session, inbound, services.clock())
        if inbound.bot_id in added:
            await _installed(services, inbound)

    return on_conversation_update


def _on_install(services: Services) -> Callable[..., Any]:
    async def on_install(ctx: ActivityContext[InstalledActivity]) -> None:
        inbound = _inbound(ctx.activity)
        async with services.db.transaction() as session:
            await remember(session, inbound, services.clock())
        if inbound.team_id:
            await remember_team(services.db, services.api, inbound, services.clock)

    return on_install


def _on_uninstall(services: Services) -> Callable[..., Any]:
    async def on_uninstall(ctx: ActivityContext[UninstalledActivity]) -> None:
        inbound = _inbound(ctx.activity)
        if inbound.team_id:
            await forget_team(services.db, inbound.team_id)

    return on_uninstall


async def _installed(services: Services, inbound: Inbound) -> None:
    """Added to a team or a chat: keep where to post, and say how to use waymark."""
    if inbound.team_id:
        channels = await remember_team(services.db, services.api, inbound, services.clock)
        log.info("added to team %s: %s channels kept", inbound.team_id, len(channels))
    welcome = Reply(
        "waymark is here.",
        (
            Section(
                title="waymark is here",
                text=(
                    "I keep the partnership road map: outcomes, readings and their status. "
                    "Try `/outcome 12` for an outcome's card, `/outcome list` for them all, "
                    "or `/outcome help`. Reminders for a group whose channel is here will "
                    "come to this team; reply in a reminder's thread with the number, or type "
                    "it in the reminder's box and press Submit."
                ),
            ),
        ),
    )
    target = Target(inbound.channel_id, inbound.service_url, inbound.bot_id)
    try:
        await send(services.api, target, render.message(welcome, where_for(inbound)))
    except (httpx.HTTPError, TimeoutError) as error:
        log.warning("could not say hello in %s: %r", inbound.channel_id, error)


async def _on_error(event: Any) -> None:
    error = getattr(event, "error", None)
    activity = getattr(event, "activity", None)
    log.error(
        "failed to handle a Teams activity (%s): %r",
        getattr(activity, "type", "?"),
        error,
        exc_info=error if isinstance(error, BaseException) else None,
    )
