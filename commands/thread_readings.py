"""Readings typed as replies in the thread of a message waymark posted about outcomes.

Accepted: `23.4`, `23.4%`, `1,234`, `£1,200`, and `12: 23.4` or `12 23.4` (needed when the thread
covers several outcomes), optionally followed by a period and a note:
`23.4 2025/26 provisional, ONS`. A chatty reply ("thanks, will do") is left alone. Editing a
reply gives a correction, with its own source key (`edit_key`); deleting it leaves the reading,
and the thread is told so (`deletion_notice`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import CommandContext, record_as_caller, require_submitter
from commands.errors import UserError
from commands.formatting import STATUS_WORDS, explanation, with_unit
from commands.outcomes import split_period
from commands.readings import (
    Recorded,
    Via,
    get_outcome,
    parse_value,
    reading_period,
)
from storage.models import Outcome, Reading
from storage.repositories import ReadingRepository, RoadmapRepository

# A word that starts like a number: a digit, a sign, a point or a pound sign.
_NUMBERISH = re.compile(r"^[£+\-.]?\d")
_OUTCOME_PREFIX = re.compile(r"^#?(\d{1,6}):(.*)$")
# Short replies that are conversation, not a failed attempt at a reading.
_CHAT = {
    "thanks", "thank", "ta", "ok", "okay", "cheers", "noted", "done", "sure", "great", "yes",
    "no", "will", "hi", "hello", "thx", "np", "+1", "👍", "🙏", "✅",
}  # fmt: skip


@dataclass(frozen=True)
class ReadingText:
    """What a reply says, before it is checked against the outcome."""

    number: int | None  # the outcome named in the reply, if it named one
    value_text: str
    period_text: str | None
    note: str


def read_reply(text: str) -> ReadingText | None:
    """The reading a reply seems to give, or None for chat. Raises UserError for something
    that looks like an attempt at a reading but cannot be read."""
    words = text.strip().split()
    if not words:
        return None
    number: int | None = None
    prefix = _OUTCOME_PREFIX.match(words[0])
    if prefix:
        number = int(prefix.group(1))
        words = ([prefix.group(2)] if prefix.group(2) else []) + words[1:]
    elif (
        len(words) >= 2
        and re.fullmatch(r"#?\d{1,6}", words[0])
        and _NUMBERISH.match(words[1])
        and not re.match(r"^\d{4}(?:$|[-/])", words[1])  # `12 2025/26` is a value and a period
    ):
        number, words = int(words[0].lstrip("#")), words[1:]
    if not words:
        raise UserError(f"Give the value after the outcome number, like `{number}: 23.4`.")
    if not _NUMBERISH.match(words[0]):
        if number is None and (len(words) > 1 or words[0].lower().strip(".,!") in _CHAT):
            return None
        raise UserError(
            f"I could not read '{words[0]}' as a number. Reply with the value on its own, like "
            "`23.4`, optionally followed by the period and a note: `23.4 2025/26 provisional`."
        )
    period_text, note = split_period(tuple(words[1:]))
    return ReadingText(number, words[0], period_text, note)


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


def confirmation(recorded: Recorded) -> str:
    """What the bot says back: exactly what it understood, and the new status."""
    status = recorded.status
    return f"{recorded.summary()} Status now: {STATUS_WORDS[status.status]}. {explanation(status)}"


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
