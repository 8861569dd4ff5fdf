"""Readings from the command line (`waymark submit`, `approve`, `comment`): the same guards as
in chat, with options in place of questions — `--confirm` keeps a doubted figure, `--reason`
revises a published one, `--note` gives the commentary a figure at risk or off track needs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import get_outcome
from commands.errors import UserError
from commands.readings.approval import approve, comment, find_reading
from commands.readings.guards import Submission, check_submission, record_checked
from commands.readings.parsing import parse_value, reading_period
from commands.readings.recording import Recorded, Via


async def submit_from_command_line(
    session: AsyncSession,
    *,
    number: int,
    value_text: str,
    period_text: str | None,
    note: str,
    reason: str,
    confirm: bool,
    by: str,
    admins: Iterable[str],
    now: datetime,
    tz: tzinfo,
) -> Recorded:
    """`waymark submit`: record the reading, or say which option it needs."""
    outcome = await get_outcome(session, number)
    value = parse_value(value_text, outcome.unit)
    period = reading_period(outcome, period_text, now, tz)
    submission = Submission(
        outcome, value, period, by, Via.CLI, note=note, reason=reason, confirmed=confirm,
        period_given=period_text is not None,
    )  # fmt: skip
    checked = await check_submission(session, submission, admins=admins, tz=tz)
    problems = []
    if checked.needs_reason:
        problems.append(f"{checked.lock_words(tz)} To revise it, add --reason TEXT.")
    if checked.needs_commentary:
        problems.append(
            f"{checked.commentary_words()}: add --note with a line on what is being done."
        )
    if checked.asks_first:
        problems.append(
            " ".join(checked.doubts)
            + f" Run it again with --confirm to {checked.keep_words()}, or give the right figure."
        )
    if problems:
        raise UserError(" ".join(problems) + " Nothing was recorded.")
    return await record_checked(session, checked, now=now, tz=tz)


async def approve_from_command_line(
    session: AsyncSession,
    *,
    number: int,
    period_text: str | None,
    by: str,
    admins: Iterable[str],
    now: datetime,
    tz: tzinfo,
) -> str:
    """`waymark approve N PERIOD --by USER`."""
    outcome = await get_outcome(session, number)
    reading = await find_reading(session, outcome, period_text, provisional=True)
    return await approve(session, outcome, reading, by=by, admins=admins, now=now, tz=tz)


async def comment_from_command_line(
    session: AsyncSession,
    *,
    number: int,
    period_text: str,
    text: str,
    by: str,
    now: datetime,
    tz: tzinfo,
) -> str:
    """`waymark comment N PERIOD TEXT --by USER`."""
    if not text.strip():
        raise UserError('Give the commentary: waymark comment N PERIOD "what is being done".')
    outcome = await get_outcome(session, number)
    reading = await find_reading(session, outcome, period_text, provisional=False)
    return await comment(session, outcome, reading, text.strip(), by=by, now=now, tz=tz)
