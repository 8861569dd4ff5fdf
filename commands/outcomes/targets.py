"""`/outcome N targets`: an outcome's targets now, and every revision of them (who, when, why,
before and after). The same revisions mark, in history, readings rated under earlier targets."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import Args, CommandContext, outcome_named
from commands.domain.targets import Revision, Targets
from commands.people.directory import names_for
from commands.presentation.replies import Reply
from commands.presentation.targets import targets_reply
from storage.models import Outcome
from storage.repositories import TargetRevisionRepository


async def revisions_of(session: AsyncSession, outcome: Outcome) -> list[Revision]:
    """The outcome's target revisions, oldest first."""
    return [
        Revision(r.at, r.by, r.reason, Targets.from_json(r.before), Targets.from_json(r.after))
        for r in await TargetRevisionRepository(session).of_outcome(outcome.id)
    ]


async def show_targets(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N targets — its baseline, milestones and tolerance, and every change to them"""
    outcome = await outcome_named(ctx, args)
    revisions = await revisions_of(ctx.session, outcome)
    names = await names_for(ctx.session, [r.by for r in revisions])
    return targets_reply(outcome, revisions, names, ctx.tz, shared=args.shared)
