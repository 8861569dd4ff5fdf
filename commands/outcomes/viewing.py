"""`/outcome N` and `/outcome N history`: one outcome's card and its readings."""

from __future__ import annotations

from commands.comparisons import comparisons_of
from commands.context import (
    Args,
    CommandContext,
    get_outcome,
    outcome_named,
)
from commands.delivery.refreshes import current_card
from commands.outcomes.targets import revisions_of
from commands.people.directory import names_for
from commands.presentation.cards import history_reply
from commands.presentation.replies import Reply
from storage.repositories import (
    ReadingRepository,
)


async def show_outcome(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N — where outcome N stands: latest reading, expected value, status and why"""
    assert args.number is not None
    outcome = args.outcome or await get_outcome(ctx.session, args.number)
    return await current_card(ctx.session, outcome, ctx.today, ctx.tz, shared=args.shared)


async def show_history(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N history — every reading against the path to 2040, with a chart"""
    assert args.number is not None
    outcome = await outcome_named(ctx, args)
    readings = await ReadingRepository(ctx.session).history(outcome.id)
    revisions = await revisions_of(ctx.session, outcome)
    names = await names_for(ctx.session, {r.submitted_by for r in readings})
    figures = (await comparisons_of(ctx.session, [outcome.id])).get(outcome.id, [])
    return history_reply(
        outcome, readings, ctx.tz, shared=args.shared, revisions=revisions, names=names,
        comparators=figures,
    )  # fmt: skip
