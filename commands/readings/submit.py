"""`/outcome N submit VALUE`: a reading typed as a command."""

from __future__ import annotations

from commands.context import Args, CommandContext, outcome_named, require_submitter
from commands.errors import UserError
from commands.presentation.formatting import with_unit
from commands.presentation.replies import Action, Button, Reply, Section
from commands.readings.guards import Checked, Submission, check_submission, record_as_caller
from commands.readings.guards import split_extras as split_note
from commands.readings.parsing import (
    no_period_in_note,
    one_value,
    parse_value,
    reading_period,
    split_period,
)
from commands.readings.questions import hold, replaced
from commands.readings.recording import Via, confirmation_reply
from storage.publication_models import QuestionKind
from storage.repositories import QuestionRepository


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
    one_value(args.words)
    value = parse_value(args.words[0], outcome.unit)
    period_text, rest = split_period(args.words[1:])
    if period_text is None:
        no_period_in_note(outcome, args.words[0], rest, ctx.now, ctx.tz)
    note, reason, confirmed = split_note(rest, typed=True)
    period = reading_period(outcome, period_text, ctx.now, ctx.tz)
    submission = Submission(
        outcome, value, period, ctx.caller.user_id, Via.SLASH, note=note, reason=reason,
        confirmed=confirmed, period_given=period_text is not None,
    )  # fmt: skip
    checked = await check_submission(ctx.session, submission, admins=ctx.admins, tz=ctx.tz)
    # A figure given again settles what was asked about the one given before it.
    for held in await QuestionRepository(ctx.session).unanswered_held(
        ctx.caller.user_id, outcome.id
    ):
        await replaced(ctx, held)
    typed = _typed(args.number, args.words[0], period.label, note)
    if checked.needs_reason:
        raise UserError(
            f"{checked.lock_words(ctx.tz)} To revise it, give the reason after the figure: "
            f"`{typed} reason: WHY IT CHANGED`."
        )
    if checked.asks_first:
        # Before the commentary: a figure that is wrong needs correcting, not explaining.
        return await _ask_first(ctx, checked, typed, shared=args.shared)
    if checked.needs_commentary:
        raise UserError(
            f"{checked.commentary_words()}, so it needs a line on what is being done about it. "
            f"Add it after the period: `/outcome {args.number} submit {args.words[0]} "
            f"{period.label} WHAT IS BEING DONE`."
        )
    recorded = await record_as_caller(ctx, checked)
    return confirmation_reply(recorded, approve_button=args.shared, shared=args.shared)


def _typed(number: int, value: str, period: str, note: str) -> str:
    return " ".join(w for w in (f"/outcome {number} submit {value} {period}", note) if w)


async def _ask_first(ctx: CommandContext, checked: Checked, typed: str, *, shared: bool) -> Reply:
    """Hold the figure, and ask whether to keep it: a button, or the command typed again."""
    figure = with_unit(checked.submission.value, checked.submission.outcome.unit)
    words = (
        " ".join(checked.doubts)
        + f" Press *Keep {figure}* to {checked.keep_words()}, or type `{typed} confirm`; "
        "otherwise submit the right figure."
    )
    question = await hold(ctx, checked, QuestionKind.CONFIRM, words, thread_id=None)
    button = Button(f"Keep {figure}", Action.KEEP_FIGURE, str(question.id), primary=True)
    return Reply(
        words,
        (Section(text=words, button=button),),
        shared=shared,
        about=(checked.submission.outcome.number,),
    )
