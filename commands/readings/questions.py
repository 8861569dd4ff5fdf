"""Questions waymark asks about a figure and waits on, kept in the database (any replica may
take the answer): keep a doubted figure, the reason for revising a published one, and a line of
commentary on one at risk or off track.

A held figure is stored in its question, never lost: it is recorded when its submitter keeps
it (`yes`, the Keep button, or the command typed again with `confirm`), at most once however
often the answer is delivered, and it expires visibly after `HOLD_FOR`."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import CommandContext
from commands.delivery.refreshes import queue_refreshes
from commands.domain.periods import Cadence
from commands.domain.rules import Status
from commands.domain.status import NEEDS_COMMENTARY, period_of
from commands.errors import UserError
from commands.presentation.formatting import STATUS_WORDS, day, with_unit
from commands.presentation.replies import Reply, mention, text_reply
from commands.readings.guards import (
    Checked,
    Submission,
    check_submission,
    record_as_caller,
)
from commands.readings.recording import Recorded, Via, confirmation_reply
from storage.models import Outcome, Reading
from storage.publication_models import Question, QuestionAnswer, QuestionKind
from storage.repositories import AuditRepository, QuestionRepository, ReadingRepository

HOLD_FOR = timedelta(days=7)

_YES = {"yes", "y", "yep", "yes please", "keep", "keep it", "confirm", "replace", "replace it"}
_NO = {"no", "n", "nope", "cancel", "drop", "drop it", "discard", "no thanks"}
# Words that acknowledge rather than say anything: a reply of only these is not commentary.
_CHAT = {
    "thanks", "thank", "you", "ta", "ok", "okay", "cheers", "noted", "done", "sure", "great",
    "will", "do", "hi", "hello", "thx", "np", "much", "very", "yes", "no", "👍", "🙏", "✅",
}  # fmt: skip

COMMENTARY_ASKED = "reply here with a line on what is being done about it."


def _said(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def is_yes(text: str) -> bool:
    return _said(text) in _YES


def is_no(text: str) -> bool:
    return _said(text) in _NO


async def hold(
    ctx: CommandContext, checked: Checked, kind: QuestionKind, asked: str, *, thread_id: str | None
) -> Question:
    """Keep the figure in a question to its submitter, instead of storing it."""
    s = checked.submission
    question = Question(
        kind=kind,
        platform=ctx.caller.platform,
        channel_id=ctx.caller.channel_id,
        thread_id=thread_id,
        user_id=s.by,
        outcome_id=s.outcome.id,
        period=s.period.label,
        value=s.value,
        note=s.note,
        reason=s.reason or None,
        via=s.via.value,
        source_key=s.source_key,
        asked=asked,
        asked_at=ctx.now,
        expires_at=ctx.now + HOLD_FOR,
    )
    await QuestionRepository(ctx.session).add(question)
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=s.by,
        action="reading.held",
        subject=f"outcome:{s.outcome.number}:{s.period.label}",
        after={"value": s.value, "note": s.note, "asked": kind.value, "question": question.id},
    )
    return question


async def ask_for_commentary(
    ctx: CommandContext, recorded: Recorded, asked: str, *, thread_id: str
) -> Question:
    """Ask the submitter for a line on what is being done; their next words there give it."""
    return await QuestionRepository(ctx.session).ask(
        {
            "kind": QuestionKind.COMMENTARY,
            "platform": ctx.caller.platform,
            "channel_id": ctx.caller.channel_id,
            "thread_id": thread_id,
            "user_id": ctx.caller.user_id,
            "outcome_id": recorded.outcome.id,
            "reading_id": recorded.reading.id,
            "asked": asked,
            "asked_at": ctx.now,
            "expires_at": ctx.now + HOLD_FOR,
        }
    )


async def answer_question(ctx: CommandContext, question: Question, text: str) -> Reply | None:
    """A person's words (not a figure) in the thread where they were asked something: None
    when the words do not answer it."""
    questions = QuestionRepository(ctx.session)
    if question.kind == QuestionKind.COMMENTARY:
        if set(_said(text).split()) <= _CHAT:
            return None  # "thanks, will do" acknowledges; it says nothing about what is done
        if question.expires_at <= ctx.now or question.reading_id is None:
            await questions.settle(question.id, QuestionAnswer.EXPIRED, ctx.now)
            return await _commentary_too_late(ctx, question)
        return await _take_commentary(ctx, question, text)
    if question.expires_at <= ctx.now:
        return text_reply(await expire(ctx, question))
    if is_no(text):
        return text_reply(await drop(ctx, question))
    if question.kind == QuestionKind.CONFIRM and not is_yes(text):
        return None
    if question.kind == QuestionKind.REASON and set(_said(text).split()) <= _CHAT:
        return text_reply(
            "Say in words why the published figure changed (for example, `ONS revised its "
            "estimate`): readers of the report will see it. Or reply `no` to leave it."
        )
    reason = text.strip() if question.kind == QuestionKind.REASON else ""
    recorded = await keep(ctx, question, reason=reason)
    if recorded is None:
        return None
    return await confirm_kept(ctx, recorded, thread_id=question.thread_id)


async def confirm_kept(ctx: CommandContext, recorded: Recorded, *, thread_id: str | None) -> Reply:
    """The confirmation of a figure recorded in answer to something. When the figure needs
    commentary, in a thread the next words there give it; elsewhere, it says how to add it."""
    reading = recorded.reading
    then = ""
    if reading.status in NEEDS_COMMENTARY and not reading.note:
        status = STATUS_WORDS[Status(reading.status)].lower()
        if thread_id is not None:
            then = f"It is {status}: {COMMENTARY_ASKED}"
            await ask_for_commentary(ctx, recorded, then, thread_id=thread_id)
        else:
            then = (
                f"It is {status}: add a line on what is being done about it, with `/outcome "
                f"{recorded.outcome.number} comment {reading.period} WHAT IS BEING DONE`."
            )
    return confirmation_reply(recorded, approve_button=thread_id is not None, then=then)


async def keep(ctx: CommandContext, question: Question, *, reason: str = "") -> Recorded | None:
    """Record the held figure as its submitter kept it; None if it was settled already."""
    outcome = await ctx.session.get(Outcome, question.outcome_id)
    assert outcome is not None
    assert question.period is not None
    assert question.value is not None
    submission = Submission(
        outcome=outcome,
        value=question.value,
        period=period_of(question.period, Cadence(outcome.cadence)),
        by=question.user_id,
        via=Via(question.via or Via.SLASH),
        note=question.note,
        reason=reason or question.reason or "",
        confirmed=True,
        source_key=question.source_key,
    )
    checked = await check_submission(ctx.session, submission, admins=ctx.admins, tz=ctx.tz)
    if checked.needs_reason:
        raise UserError(
            f"{checked.lock_words(ctx.tz)} Give the reason for revising it, and the figure "
            "again, like `23.4 2024/25 reason: WHY IT CHANGED`."
        )
    await _nothing_new_since(ctx, question, submission)
    if not await QuestionRepository(ctx.session).settle(
        question.id, QuestionAnswer.RECORDED, ctx.now
    ):
        return None
    recorded = await record_as_caller(ctx, checked)
    question.reading_id = recorded.reading.id
    return recorded


async def _nothing_new_since(ctx: CommandContext, question: Question, s: Submission) -> None:
    """Keeping a held figure answers what was asked then: a figure recorded for its period
    since (by someone else, as a rule) was never shown to its submitter, so it is not replaced
    unasked; they are told, and may give theirs again."""
    current = await ReadingRepository(ctx.session).current(s.outcome.id, s.period.start)
    if current is None or current.submitted_at <= question.asked_at:
        return
    asked = day(question.asked_at.astimezone(ctx.tz).date())
    unit = s.outcome.unit
    raise UserError(
        f"Nothing recorded: since you gave {with_unit(s.value, unit)} for {s.period.label} on "
        f"{asked}, {mention(current.submitted_by)} recorded {with_unit(current.value, unit)} "
        f"for it. If yours should replace it, give it again and keep it when asked."
    )


async def drop(ctx: CommandContext, question: Question) -> str:
    """The submitter said no: the held figure is not recorded."""
    if await QuestionRepository(ctx.session).settle(question.id, QuestionAnswer.DROPPED, ctx.now):
        _audit(ctx, question, "reading.dropped")
    held = await _held(ctx, question)
    return f"Nothing recorded: {held} was not kept. Give the right figure here."


async def expire(ctx: CommandContext, question: Question) -> str:
    """The held figure waited too long: it is not recorded, and the submitter is told."""
    if await QuestionRepository(ctx.session).settle(question.id, QuestionAnswer.EXPIRED, ctx.now):
        _audit(ctx, question, "reading.expired")
    held = await _held(ctx, question)
    return (
        f"{held[0].upper()}{held[1:]} waited {HOLD_FOR.days} days for your answer and has "
        "expired: nothing was recorded. Give it again if it is right."
    )


async def replaced(ctx: CommandContext, question: Question) -> None:
    """The submitter gave another figure instead of answering."""
    if await QuestionRepository(ctx.session).settle(question.id, QuestionAnswer.REPLACED, ctx.now):
        _audit(ctx, question, "reading.dropped")


async def _held(ctx: CommandContext, question: Question) -> str:
    asked = day(question.asked_at.astimezone(ctx.tz).date())
    outcome = await ctx.session.get(Outcome, question.outcome_id)
    assert outcome is not None
    assert question.value is not None
    # As the question wrote it: `{:g}` wrote 1,234,567 as 1.23457e+06.
    figure = with_unit(question.value, outcome.unit)
    return f"the figure you gave on {asked} ({figure} for {question.period})"


def _audit(ctx: CommandContext, question: Question, action: str) -> None:
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action=action,
        subject=f"question:{question.id}:{question.period}",
        before={"value": question.value, "note": question.note},
        after={"answer": question.answer},
    )


async def _commentary_too_late(ctx: CommandContext, question: Question) -> Reply | None:
    """Words given after the question for commentary expired are not taken as it: say so,
    while the reading still needs it, rather than leave the lead thinking it was recorded."""
    reading = await ctx.session.get(Reading, question.reading_id) if question.reading_id else None
    if reading is None or not reading.is_current or reading.note.strip():
        return None
    outcome = await ctx.session.get(Outcome, question.outcome_id)
    assert outcome is not None
    asked = day(question.asked_at.astimezone(ctx.tz).date())
    return text_reply(
        f"I asked here on {asked} for a line on what is being done about outcome "
        f"{outcome.number}'s {reading.period} reading ({with_unit(reading.value, outcome.unit)})"
        f", but that was more than {HOLD_FOR.days} days ago, so I have not taken these words as "
        f"its commentary. To add them: `/outcome {outcome.number} comment {reading.period} "
        "WHAT IS BEING DONE`."
    )


async def _take_commentary(ctx: CommandContext, question: Question, text: str) -> Reply:
    reading = await ctx.session.get(Reading, question.reading_id)
    outcome = await ctx.session.get(Outcome, question.outcome_id)
    assert reading is not None
    assert outcome is not None
    if not reading.is_current:
        await QuestionRepository(ctx.session).settle(question.id, QuestionAnswer.REPLACED, ctx.now)
        return await _commentary_for_a_corrected_figure(ctx, outcome, reading)
    await QuestionRepository(ctx.session).settle(question.id, QuestionAnswer.COMMENTED, ctx.now)
    await set_commentary(
        ctx.session, outcome, reading, text.strip(), by=ctx.caller.user_id, now=ctx.now, tz=ctx.tz
    )
    return text_reply(
        f"Thanks {mention(ctx.caller.user_id)}: outcome {outcome.number}'s {reading.period} "
        f"reading ({with_unit(reading.value, outcome.unit)}) now has commentary: "
        f"“{reading.note}”."
    )


async def _commentary_for_a_corrected_figure(
    ctx: CommandContext, outcome: Outcome, asked_about: Reading
) -> Reply:
    """The figure the commentary was asked for was corrected since (to one that needs none,
    or its own question would have come first): words about the old figure are not put on it,
    where nobody reads them, nor on the new one, which they may not fit."""
    current = await ReadingRepository(ctx.session).current(outcome.id, asked_about.period_start)
    now_words = f" to {with_unit(current.value, outcome.unit)}" if current is not None else ""
    was = with_unit(asked_about.value, outcome.unit)
    return text_reply(
        f"Outcome {outcome.number}'s {asked_about.period} figure was corrected{now_words} after I "
        f"asked for a line on {was}, so I have not taken these words as commentary. To add them "
        f"to the figure as it stands: `/outcome {outcome.number} comment {asked_about.period} "
        "WHAT IS BEING DONE`."
    )


async def set_commentary(
    session: AsyncSession,
    outcome: Outcome,
    reading: Reading,
    text: str,
    *,
    by: str,
    now: datetime,
    tz: tzinfo,
) -> None:
    """Add or replace a reading's commentary; the old words stay in the audit log, and cards
    in chat that showed "commentary missing" (or the old words) are redrawn."""
    before = reading.note
    reading.note = text
    AuditRepository(session).record(
        at=now,
        actor=by,
        action="reading.commented",
        subject=f"outcome:{outcome.number}:{reading.period}",
        before={"note": before},
        after={"note": text},
    )
    # Keyed by the words and the moment: each change of commentary redraws the card once.
    words = hashlib.sha256(text.encode()).hexdigest()[:16]
    because = f"noted:{now.isoformat()}:{words}"
    await queue_refreshes(session, outcome, reading, now=now, tz=tz, because=because)
