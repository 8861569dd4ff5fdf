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
from commands.readings.guards import (
    Checked,
    Submission,
    check_submission,
    record_as_caller,
    split_extras,
)
from commands.readings.parsing import (
    ReadingText,
    no_period_in_note,
    parse_value,
    read_reply,
    reading_period,
)
from commands.readings.questions import answer_question, confirm_kept, hold, replaced
from commands.readings.recording import Via
from storage.models import Outcome, Reading
from storage.publication_models import QuestionKind
from storage.repositories import (
    PostRepository,
    QuestionRepository,
    ReadingRepository,
    ReceiptRepository,
    RoadmapRepository,
)

CORRECTED = "Thanks for the correction."


async def answer_reply(services: Services, event: ThreadReply | ReplyEdited) -> ThreadAnswer | None:
    """Read a reply (or an edited reply) in a thread: find the thread's post, check the
    delivery is new, check who may submit, check the figure, record it or ask about it, and say
    what was understood. A reply that is not a figure may answer what waymark asked there. None
    when the thread or the words are not about readings (a thread waymark did not start, or
    chat)."""
    key = message_key(event.platform, event.channel_id, event.message_id)
    corrected = isinstance(event, ReplyEdited)
    if isinstance(event, ReplyEdited):
        key = edit_key(key, event.edited)
    # Brief: what a reading stores finds its rows by an index (the busiest write waymark has).
    async with services.db.transaction(brief=True) as session:
        covers = await _thread_covers(session, event.platform, event.channel_id, event.thread_id)
        if not covers:
            return None
        if event.receipt and not await ReceiptRepository(session).first_time(
            event.receipt, event.platform, services.clock()
        ):
            return ThreadAnswer(None)  # delivered again; it was handled the first time
        ctx = services.context(session, event.platform, event.user_id, event.channel_id)
        try:
            return await _answer(ctx, covers, event, key, corrected=corrected)
        except UserError as error:
            return ThreadAnswer(error_reply(error))


async def _answer(
    ctx: CommandContext,
    covers: tuple[int, ...],
    event: ThreadReply | ReplyEdited,
    key: str,
    *,
    corrected: bool,
) -> ThreadAnswer | None:
    reading = read_reply(event.text)
    if reading is None and corrected:
        return None  # an edit into words is not an answer: answers are new replies
    if reading is None:
        question = await QuestionRepository(ctx.session).latest_unanswered(
            event.platform, event.channel_id, event.thread_id, event.user_id
        )
        if question is None:
            return _unreadable(event.text)
        answer = await answer_question(ctx, question, event.text)
        return None if answer is None else ThreadAnswer(answer)
    if await _handled_before(ctx, key):
        return ThreadAnswer(None)  # the same message, delivered again under another event id
    checked = await check_reply(ctx, covers, reading, key, corrected=corrected)
    s = checked.submission
    await _give_up_held(ctx, s.outcome.id, event)
    figure = with_unit(s.value, s.outcome.unit)
    if checked.needs_reason:
        asked = (
            f"{checked.lock_words(ctx.tz)} Reply here with the reason for revising it, and I "
            f"will record {figure} as revised after publication; or reply `no` to leave it."
        )
        await hold(ctx, checked, QuestionKind.REASON, asked, thread_id=event.thread_id)
        return ThreadAnswer(text_reply(asked))
    if checked.asks_first:
        asked = (
            " ".join(checked.doubts)
            + f" Reply `yes` to {checked.keep_words()}, or give the right figure."
        )
        await hold(ctx, checked, QuestionKind.CONFIRM, asked, thread_id=event.thread_id)
        return ThreadAnswer(text_reply(asked))
    recorded = await record_as_caller(ctx, checked)
    if recorded.unchanged:
        return ThreadAnswer(text_reply(recorded.summary()))
    if recorded.duplicate:
        return ThreadAnswer(None)
    reply = await confirm_kept(ctx, recorded, thread_id=event.thread_id)
    if corrected:
        left = await _left_behind(ctx, key, recorded.reading)
        return ThreadAnswer(text_reply(" ".join(w for w in (CORRECTED, reply.fallback, left) if w)))
    return ThreadAnswer(reply, react_tick=True)


async def _left_behind(ctx: CommandContext, key: str, reading: Reading) -> str:
    """An edit that moved the figure to another period leaves the reading the message gave
    for the first one (history is never rewritten): say so, or it goes on counting unseen."""
    message = key.split(":edit:")[0]
    given = await ReadingRepository(ctx.session).from_message(message)
    left = [
        r
        for r in given
        if r.is_current and r.outcome_id == reading.outcome_id and r.period != reading.period
    ]
    if not left:
        return ""
    outcome = await ctx.session.get(Outcome, reading.outcome_id)
    assert outcome is not None
    periods = ", ".join(f"{r.period} still has {with_unit(r.value, outcome.unit)}" for r in left)
    return (
        f"{periods} from this message before it was edited: if that is wrong, reply with the "
        "right figure and its period."
    )


async def _handled_before(ctx: CommandContext, key: str) -> bool:
    """Whether the message was read before: it gave a reading, or a figure held for an answer."""
    return await ReadingRepository(ctx.session).given_or_held(key)


async def _give_up_held(
    ctx: CommandContext, outcome_id: int, event: ThreadReply | ReplyEdited
) -> None:
    """A new figure in the thread answers what was asked about the one held before it."""
    held = await QuestionRepository(ctx.session).unanswered_held(
        event.user_id, outcome_id, thread=(event.platform, event.channel_id, event.thread_id)
    )
    for question in held:
        await replaced(ctx, question)


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
    return tuple(await PostRepository(session).outcomes_of(platform, channel_id, thread_id))


async def check_reply(
    ctx: CommandContext,
    covers: tuple[int, ...],
    reading: ReadingText,
    source_key: str,
    *,
    corrected: bool = False,
) -> Checked:
    """Check the figure a thread reply gives for one of the outcomes the thread `covers`. An
    edited reply without a period is for the period the message gave before."""
    number = _which_outcome(reading, covers)
    # Held from here: the readings the checks read are those it is stored against.
    outcome = await get_outcome(ctx.session, number, hold=True)
    await require_submitter(ctx, outcome)
    value = parse_value(reading.value_text, outcome.unit)
    period_text = reading.period_text
    if period_text is None and corrected:
        message = source_key.split(":edit:")[0]
        given = await ReadingRepository(ctx.session).from_message(message)
        period_text = given[-1].period if given else None
    if period_text is None:
        no_period_in_note(outcome, reading.value_text, reading.note, ctx.now, ctx.tz)
    period = reading_period(outcome, period_text, ctx.now, ctx.tz)
    note, reason, confirmed = split_extras(reading.note)
    submission = Submission(
        outcome, value, period, ctx.caller.user_id, Via.THREAD, note=note, reason=reason,
        confirmed=confirmed, period_given=period_text is not None, source_key=source_key,
    )  # fmt: skip
    return await check_submission(ctx.session, submission, admins=ctx.admins, tz=ctx.tz)


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


def _unreadable(text: str) -> ThreadAnswer | None:
    """A reply with a figure in it that is not a reading (`about 40ish`): say so, rather than
    leave the person thinking it was recorded. Chat without figures is left alone."""
    if not any(c.isdigit() for c in text):
        return None
    return ThreadAnswer(
        text_reply(
            f"I could not read '{text.strip()}' as a reading, so nothing was recorded. Reply "
            "with the value on its own, like `23.4`, or with its period too, like "
            "`23.4 2025/26`."
        )
    )
