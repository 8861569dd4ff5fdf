"""The core every chat platform talks to: one method per event, each the whole flow.

Adapters (`bot.slack`, `bot.teams`) translate what their platform delivers into an event
(`commands.events`), call the matching method, and render what comes back. The words, the
checks, the storage and its transactions are all here, so that Slack and Teams cannot drift
apart, and a new flow is written once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.answers import ButtonAnswer, FormAnswer, ThreadAnswer
from commands.context import Services
from commands.delivery.conversation_book import ConversationBook
from commands.delivery.threads import record_answer
from commands.events import (
    AnswerPosted,
    ButtonPressed,
    Command,
    FormSubmitted,
    ReplyDeleted,
    ReplyEdited,
    ThreadReply,
)
from commands.presentation.replies import Action, Reply
from commands.readings.buttons import press_on_reading
from commands.readings.form import answer_form, open_form
from commands.readings.thread_replies import answer_deletion, answer_reply
from commands.registry import answer_command
from storage.db import Database

STALE_BUTTON = "That button does nothing any more."


class Core:
    """Built once by the composition root and given to every adapter."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime],
        tz: ZoneInfo,
        admins: frozenset[str],
    ) -> None:
        self.services = Services(db, clock, tz, admins)
        # Teams' bookkeeping of where it may post; any platform that needs one shares it.
        self.book = ConversationBook(db, clock)

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.services.clock

    async def command(self, event: Command) -> Reply:
        """`/outcome ...`: the answer, or what to type instead."""
        return await answer_command(self.services, event)

    async def thread_reply(self, event: ThreadReply) -> ThreadAnswer | None:
        """A reply in a thread: None unless the thread is about outcomes and the words are a
        reading (or a failed attempt at one)."""
        return await answer_reply(self.services, event)

    async def reply_edited(self, event: ReplyEdited) -> ThreadAnswer | None:
        """An edited thread reply: a correction, recorded as a new entry."""
        return await answer_reply(self.services, event)

    async def reply_deleted(self, event: ReplyDeleted) -> Reply | None:
        """A deleted thread reply: what to say in the thread, if it gave a reading."""
        return await answer_deletion(self.services, event)

    async def form_submitted(self, event: FormSubmitted) -> FormAnswer:
        """A reading typed in a form's boxes."""
        return await answer_form(self.services, event)

    async def button_pressed(self, event: ButtonPressed) -> ButtonAnswer:
        """A button: open the reading form, or show what the button's command shows."""
        if event.action == Action.SUBMIT_READING and event.value.isdigit():
            return await open_form(self.services, event, int(event.value))
        if event.action in {Action.SHOW_OUTCOME, Action.NEXT_PAGE}:
            command = Command(event.platform, event.channel_id, event.user_id, event.value)
            return ButtonAnswer(reply=await self.command(command))
        if event.action in {Action.APPROVE_READING, Action.KEEP_FIGURE} and event.value.isdigit():
            return await press_on_reading(self.services, event)
        return ButtonAnswer(note=STALE_BUTTON)

    async def answer_posted(self, event: AnswerPosted) -> None:
        """An answer was posted: replies in its thread are readings of what it is about."""
        await record_answer(self.services, event)
