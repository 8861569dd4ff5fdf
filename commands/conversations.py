"""The core every chat platform talks to: one method per event, each the whole flow.

Adapters (`bot.slack`, `bot.teams`) translate what their platform delivers into an event
(`commands.events`), call the matching method, and render what comes back. The words, the
checks, the storage and its transactions are all here, so that Slack and Teams cannot drift
apart, and a new flow is written once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.answer_cache import AnswerCache, Packed
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
    UpdateSubmitted,
)
from commands.numbers import button_number
from commands.people.directory import NameLookup, PeopleBook
from commands.plans.updating import (
    answer_update_deletion,
    answer_update_form,
    answer_update_reply,
    open_update_form,
)
from commands.ports import Observer, Unobserved
from commands.presentation.replies import Action, Reply, text_reply
from commands.readings.buttons import press_on_reading
from commands.readings.form import answer_form, open_form
from commands.readings.thread_replies import answer_deletion, answer_reply
from commands.registry import answer_command, answer_command_packed, command_name
from storage.db import Database, DatabaseNotAnsweringError

log = logging.getLogger(__name__)

STALE_BUTTON = "That button does nothing any more."
NOT_ANSWERING = "waymark's database is not answering; nothing was changed — try again in a minute."
TOO_BUSY = "waymark is too busy to answer just now; nothing was changed — try again in a minute."


class Core:
    """Built once by the composition root and given to every adapter."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], datetime],
        tz: ZoneInfo,
        admins: frozenset[str],
        observer: Observer | None = None,
        public_url: str | None = None,
    ) -> None:
        self.observer = observer or Unobserved()
        self.answers = AnswerCache(db.changes)
        self.services = Services(
            db, clock, tz, admins, self.observer, self.answers, public_url=public_url
        )
        # Teams' bookkeeping of where it may post; any platform that needs one shares it.
        self.book = ConversationBook(db, clock)
        self.people = PeopleBook(db, clock)

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.services.clock

    async def command(self, event: Command) -> Reply:
        """`/outcome ...`: the answer, or what to type instead."""
        name = command_name(event.text)
        with self.observer.handling(event.platform, name, event.user_id, event.channel_id):
            try:
                return await answer_command(self.services, event, name)
            except DatabaseNotAnsweringError as error:
                return _not_answering(error)

    async def command_packed(self, event: Command) -> Reply | Packed:
        """`command`, for an adapter that registered how it packs answers
        (`AnswerCache.pack_for`): a kept answer comes packed, as the platform sends it."""
        name = command_name(event.text)
        with self.observer.handling(event.platform, name, event.user_id, event.channel_id):
            try:
                return await answer_command_packed(self.services, event, name)
            except DatabaseNotAnsweringError as error:
                return _not_answering(error)

    async def thread_reply(self, event: ThreadReply) -> ThreadAnswer | None:
        """A reply in a thread: None unless the thread is about outcomes and the words are a
        reading (or a failed attempt at one), or the thread is about an action of a delivery
        plan and the words are an update to it. Readings are asked first: they are most
        replies, and a thread is about one or the other."""
        with self.observer.handling(
            event.platform, "thread reply", event.user_id, event.channel_id
        ):
            try:
                answer = await answer_reply(self.services, event)
                if answer is None:
                    answer = await answer_update_reply(self.services, event)
            except DatabaseNotAnsweringError as error:
                return ThreadAnswer(_not_answering(error))
            return answer

    async def reply_edited(self, event: ReplyEdited) -> ThreadAnswer | None:
        """An edited thread reply: a correction, recorded as a new entry."""
        with self.observer.handling(
            event.platform, "reply edited", event.user_id, event.channel_id
        ):
            try:
                answer = await answer_reply(self.services, event)
                if answer is None:
                    answer = await answer_update_reply(self.services, event)
            except DatabaseNotAnsweringError as error:
                return ThreadAnswer(_not_answering(error))
            return answer

    async def reply_deleted(self, event: ReplyDeleted) -> Reply | None:
        """A deleted thread reply: what to say in the thread, if it gave a reading or an
        update."""
        with self.observer.handling(event.platform, "reply deleted", "", event.channel_id):
            try:
                notice = await answer_deletion(self.services, event)
                if notice is None:
                    notice = await answer_update_deletion(self.services, event)
            except DatabaseNotAnsweringError as error:
                return _not_answering(error)
            return notice

    async def form_submitted(self, event: FormSubmitted) -> FormAnswer:
        """A reading typed in a form's boxes."""
        with self.observer.handling(event.platform, "form", event.user_id, event.channel_id):
            try:
                return await answer_form(self.services, event)
            except DatabaseNotAnsweringError as error:
                return FormAnswer({"value": _not_answering(error).fallback})

    async def update_submitted(self, event: UpdateSubmitted) -> FormAnswer:
        """An update to an action typed in a form."""
        try:
            return await answer_update_form(self.services, event)
        except DatabaseNotAnsweringError as error:
            return FormAnswer({"line": _not_answering(error).fallback})

    async def button_pressed(self, event: ButtonPressed) -> ButtonAnswer:
        """A button: open the reading or update form, approve a reading, keep a held figure, or
        show what the button's command shows."""
        with self.observer.handling(event.platform, "button", event.user_id, event.channel_id):
            try:
                return await self._button(event)
            except DatabaseNotAnsweringError as error:
                return ButtonAnswer(reply=_not_answering(error))

    async def _button(self, event: ButtonPressed) -> ButtonAnswer:
        number = button_number(event.value)
        if event.action == Action.SUBMIT_READING and number is not None:
            return await open_form(self.services, event, number)
        if event.action == Action.UPDATE_ACTION and number is not None:
            return await open_update_form(self.services, event)
        if event.action in {Action.SHOW_OUTCOME, Action.NEXT_PAGE}:
            command = Command(event.platform, event.channel_id, event.user_id, event.value)
            return ButtonAnswer(reply=await answer_command(self.services, command))
        if event.action in {Action.APPROVE_READING, Action.KEEP_FIGURE} and number is not None:
            return await press_on_reading(self.services, event)
        return ButtonAnswer(note=STALE_BUTTON)

    def wants_name(self, platform: str, user_id: str) -> bool:
        """Whether `person_seen` would learn anything: false for everyone after their first
        time, so that an adapter need not start work for them on every request."""
        return self.people.wants(platform, user_id)

    async def person_seen(self, platform: str, user_id: str, lookup: NameLookup) -> None:
        """Someone used waymark: learn their name through `lookup` unless it is known (for
        platforms whose events carry only an id; Teams' carry the name, see `book`)."""
        try:
            await self.people.learn(platform, user_id, lookup)
        except DatabaseNotAnsweringError as error:
            # Learnt the next time they use waymark: not worth a traceback.
            log.warning("could not note the name of %s now: %s", user_id, error)

    async def answer_posted(self, event: AnswerPosted) -> None:
        """An answer was posted: replies in its thread are readings of what it is about."""
        await record_answer(self.services, event)


def _not_answering(error: DatabaseNotAnsweringError) -> Reply:
    """The database stalled or cannot write, or this process had no connection free for it:
    the unit of work was rolled back. The person is told at once (inside Slack's three
    seconds), and the operators in the log."""
    if error.busy:
        log.warning("too busy to answer: %s", error)
        return text_reply(TOO_BUSY)
    log.warning("the database is not answering: %s", error)
    return text_reply(NOT_ANSWERING)
