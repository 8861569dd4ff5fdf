"""Answering in Teams where an activity came from: in its conversation, and in a channel in its
thread. Mentions become names, charts follow as cards of their own, and the core is told where
an answer went, so that replies in its thread are readings."""

from __future__ import annotations

import logging
from typing import Any

from bot.adapter import Adapter
from bot.teams import render
from bot.teams.conversations import PLATFORM, Inbound, seen
from bot.teams.messenger import Target, TeamsMessenger, send
from commands.events import AnswerPosted
from commands.presentation.replies import Reply, Section, text_reply

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on waymark's side and nothing was changed. Please try again "
    "in a minute; if it keeps happening, tell your performance team."
)

Teams = Adapter[TeamsMessenger]


def inbound_of(activity: Any) -> Inbound:
    return Inbound(activity.model_dump(by_alias=True, exclude_none=True, mode="json"))


def where_for(inbound: Inbound, names: dict[str, str] | None = None) -> render.Where:
    command = "outcome" if inbound.kind == "personal" else "@waymark outcome"
    return render.Where(command, names or {})


async def remember(teams: Teams, inbound: Inbound) -> None:
    """Keep where the activity came from (waymark may post there later unprompted) and who
    sent it."""
    if inbound.service_url and inbound.conversation_id:
        await teams.core.book.remember(seen(inbound))


async def say(teams: Teams, inbound: Inbound, reply: Reply) -> str:
    """Answer in the conversation (in a channel, in the thread) the activity came from."""
    where = where_for(inbound, await teams.core.book.names([reply]))
    target = Target(inbound.conversation_id, inbound.service_url, inbound.bot_id)
    message_id = await send(teams.messenger.api, target, render.message(reply, where))
    for chart in reply.charts:
        teams.background.spawn(teams.messenger.post_chart(target, chart), chart.filename)
    return message_id


async def post_answer(teams: Teams, inbound: Inbound, reply: Reply) -> None:
    """Say a command's answer, then tell the core where it went: in a channel, replies in its
    thread are readings of the outcomes it is about; a card with reading boxes is kept. A
    private answer asked for in a channel goes to the person's own chat with waymark."""
    if reply.private and inbound.kind != "personal":
        in_thread = await _answer_privately(teams, inbound, reply)
        if in_thread is None:
            return
        reply = in_thread
    message_id = await say(teams, inbound, reply)
    posted = AnswerPosted(
        PLATFORM,
        inbound.channel_id,
        message_id,
        reply,
        thread_id=inbound.thread_id,
        takes_readings=inbound.kind == "channel",
        keep_card=render.has_inputs(reply),
    )
    await teams.core.answer_posted(posted)


PRIVATELY = "I have answered you in your own chat with waymark."
NO_CHAT_YET = (
    "I cannot answer you privately yet: open a chat with waymark and say hello once, and "
    "private answers will go there. Here is the answer, in this thread:"
)


async def _answer_privately(teams: Teams, inbound: Inbound, reply: Reply) -> Reply | None:
    """Post `reply` in the person's own chat and say so in the thread (None: nothing more to
    say); without such a chat, the reply to give in the thread instead, with a note first."""
    chats = await teams.core.book.personal_chats([inbound.user_id])
    if not chats:
        note = Section(text=NO_CHAT_YET)
        return Reply(reply.fallback, (note, *reply.blocks), about=reply.about)
    target = Target.of(chats[0])
    where = render.Where("outcome", await teams.core.book.names([reply]))
    await send(teams.messenger.api, target, render.message(reply, where))
    for chart in reply.charts:
        teams.background.spawn(teams.messenger.post_chart(target, chart), chart.filename)
    await say(teams, inbound, text_reply(PRIVATELY))
    return None


async def sorry(teams: Teams, inbound: Inbound) -> None:
    try:
        await say(teams, inbound, text_reply(SORRY))
    except Exception:  # the error path must never raise
        log.exception("could not tell the person about the error")
