"""`/outcome N submit VALUE`: a reading typed as a command."""

from __future__ import annotations

from commands.context import (
    Args,
    CommandContext,
    outcome_named,
    require_submitter,
)
from commands.errors import UserError
from commands.presentation.replies import Reply, Section
from commands.readings.parsing import parse_value, reading_period, split_period
from commands.readings.recording import Via, confirmation, record_as_caller


async def submit_reading(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N submit VALUE [PERIOD] [note…] — record a reading (leads and admins)"""
    assert args.number is not None
    if not args.words:
        raise UserError(
            f"Give the value: `/outcome {args.number} submit 23.4`, optionally followed by the "
            "period and a note, like `/outcome 12 submit 23.4 2025/26 provisional`."
        )
    outcome = await outcome_named(ctx, args)
    await require_submitter(ctx, outcome)
    value = parse_value(args.words[0])
    period_text, note = split_period(args.words[1:])
    period = reading_period(outcome, period_text, ctx.now, ctx.tz)
    recorded = await record_as_caller(ctx, outcome, value, period, Via.SLASH, note=note)
    text = confirmation(recorded)
    return Reply(text, (Section(text=text),), shared=args.shared, about=(outcome.number,))
