"""Readings typed as replies in the thread of a message waymark posted about outcomes, the same
on every platform.

A reply is read once, however often the platform delivers it: its delivery's receipt is kept,
and its reading carries the message's source key. Editing a reply gives a correction, with its
own source key (`edit_key`); deleting it leaves the reading, and the thread is told so
(`deletion_notice`). Each event is handled whole in one transaction, before the platform is
answered, so that a reading that failed to store is delivered again.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commands.answers import ThreadAnswer
from commands.context import CommandContext, Services, get_outcome, require_submitter
from commands.errors import UserError
from commands.events import ReplyDeleted, ReplyEdited, ThreadReply
from commands.presentation.formatting import with_unit
from commands.presentation.replies import Reply, error_reply, text_reply
from commands.readings.parsing import ReadingText, parse_value, read_reply, reading_period
from commands.readings.recording import Recorded, Via, confirmation, record_as_caller
from storage.models import Outcome, Reading
from storage.repositories import (
    PostRepository,
    ReadingRepository,
    ReceiptRepository,
    RoadmapRepository,
)

CORRECTED = "Thanks for the correction."


async def answer_reply(services: Services, event: ThreadReply | ReplyEdited) -> ThreadAnswer | None:
    """Read a reply (or an edited reply) in a thread: find the thread's post, check the
    delivery is new, check who may submit, record, and say what was understood. None when the
    thread or the words are not about readings (a thread waymark did not start, or chat)."""
    key = message_key(event.platform, event.channel_id, event.message_id)
    corrected = isinstance(event, ReplyEdited)
    if isinstance(event, ReplyEdited):
        key = edit_key(key, event.edited)
    async with services.db.transaction() as session:
        covers = await _thread_covers(session, event.platform, event.channel_id, event.thread_id)
        if not covers:
            return None
        if event.receipt and not await ReceiptRepository(session).first_time(
            event.receipt, event.platform, services.clock()
        ):
            return ThreadAnswer(None)  # delivered again; it was handled the first time
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        try:
            recorded = await record_reply(ctx, covers, event.text, key)
        except UserError as error:
            return ThreadAnswer(error_reply(error))
    if recorded is None:
        return None
    if recorded.duplicate:
        return ThreadAnswer(None)
    words = confirmation(recorded)
    if corrected:
        return ThreadAnswer(text_reply(f"{CORRECTED} {words}"))
    return ThreadAnswer(text_reply(words), react_tick=True)


async def answer_deletion(services: Services, event: ReplyDeleted) -> Reply | None:
    """What to say in the thread when a reply is deleted, or None when it gave no reading (or
    the deletion was delivered before)."""
    unit = services.db.transaction if event.receipt else services.db.reading
    async with unit() as session:
        covers = await _thread_covers(session, event.platform, event.channel_id, event.thread_id)
        if not covers:
            return None
        key = message_key(event.platform, event.channel_id, event.message_id)
        notice = await deletion_notice(session, covers, key)
        if notice is None:
            return None
        if event.receipt and not await ReceiptRepository(session).first_time(
            event.receipt, event.platform, services.clock()
        ):
            return None
    return text_reply(notice)


def message_key(platform: str, channel_id: str, message_id: str) -> str:
    """The source key of the reading a chat message gave: its edits and its deletion carry the
    same message id, so they find it."""
    return f"{platform}:{channel_id}:{message_id}"


async def _thread_covers(
    session: AsyncSession, platform: str, channel_id: str, thread_id: str
) -> tuple[int, ...]:
    """The outcomes whose readings a thread takes: none when waymark did not start it."""
    post = await PostRepository(session).find(platform, channel_id, thread_id)
    return tuple(post.outcomes) if post is not None and post.outcomes else ()


async def record_reply(
    ctx: CommandContext, covers: tuple[int, ...], text: str, source_key: str
) -> Recorded | None:
    """Record the reading a thread reply gives for one of the outcomes the thread `covers`."""
    reading = read_reply(text)
    if reading is None:
        return None
    number = _which_outcome(reading, covers)
    outcome = await get_outcome(ctx.session, number)
    await require_submitter(ctx, outcome)
    value = parse_value(reading.value_text)
    period = reading_period(outcome, reading.period_text, ctx.now, ctx.tz)
    return await record_as_caller(
        ctx, outcome, value, period, Via.THREAD, note=reading.note, source_key=source_key
    )


def _which_outcome(reading: ReadingText, covers: tuple[int, ...]) -> int:
    listed = ", ".join(str(n) for n in covers)
    if reading.number is not None:
        if reading.number not in covers:
            raise UserError(
                f"This thread is about outcome{'s' if len(covers) > 1 else ''} {listed}, not "
                f"{reading.number}. Reply in outcome {reading.number}'s own thread, or use "
                f"`/outcome {reading.number} submit VALUE`."
            )
        return reading.number
    if len(covers) > 1:
        raise UserError(
            f"This thread covers outcomes {listed}: start with the outcome's number, like "
            f"`{covers[0]}: {reading.value_text}`."
        )
    return covers[0]


def edit_key(source_key: str, edited: str) -> str:
    """The source key of a reading given by editing the message whose key is `source_key`:
    each edit is its own entry, so that the old value stays in the history."""
    return f"{source_key}:edit:{edited}"


async def deletion_notice(
    session: AsyncSession, covers: tuple[int, ...], source_key: str
) -> str | None:
    """What to say in the thread when the message with `source_key` is deleted, or None when
    neither it nor any edit of it gave a reading of the outcomes the thread `covers`.

    Deleting a message never deletes its reading: the history is not rewritten. The notice
    names the reading the message gave last, so that after an edit it is the corrected value."""
    readings = ReadingRepository(session)
    roadmap = RoadmapRepository(session)
    edits = edit_key(source_key, "")
    given: list[tuple[Reading, Outcome]] = []
    for number in covers:
        outcome = await roadmap.outcome(number)
        if outcome is None:
            continue
        given += [
            (reading, outcome)
            for reading in await readings.history(outcome.id)
            if reading.source_key == source_key or (reading.source_key or "").startswith(edits)
        ]
    if not given:
        return None
    reading, outcome = max(given, key=lambda pair: pair[0].id)
    what = f"outcome {outcome.number}, {reading.period}: {with_unit(reading.value, outcome.unit)}"
    return (
        f"That message was deleted, but the reading it gave ({what}) stays in the history. To "
        "correct it, reply here with the right value."
    )
