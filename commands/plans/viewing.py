"""`/outcome N plan`, `/outcome N plan add …` and `/outcome action N.M`."""

from __future__ import annotations

from commands.context import Args, CommandContext, outcome_named
from commands.errors import UserError
from commands.plans.adding import add_action
from commands.plans.cards import plan_reply
from commands.plans.queries import action_reply, find_action
from commands.presentation.replies import Reply
from storage.repositories import PlanRepository


async def plan_command(ctx: CommandContext, args: Args) -> Reply:
    """/outcome N plan — its delivery plan: the actions, their state, due dates, last updates
    /outcome N plan add TITLE [due DATE] [owner @PERSON] [lead ORG] — add an action (leads)
    """
    verb = args.words[0].lower() if args.words else ""
    if verb in {"add", "pledge"}:
        return await add_action(ctx, args, pledge=verb == "pledge")
    if verb:
        raise UserError(
            f"'{verb}' is not something `/outcome {args.number} plan` can do. "
            f"`/outcome {args.number} plan` shows the plan; `/outcome {args.number} plan add "
            "TITLE due DATE owner @PERSON lead ORGANISATION` adds an action to it."
        )
    outcome = await outcome_named(ctx, args)
    rows = await PlanRepository(ctx.session).rows(outcome_id=outcome.id)
    return plan_reply(outcome.number, outcome.title, rows, ctx.tz, ctx.today, shared=args.shared)


async def show_action(ctx: CommandContext, args: Args) -> Reply:
    """/outcome action N.M — one action of a plan, its updates and a Give an update button"""
    if not args.words:
        raise UserError(
            "Say which action, by its number within its outcome: `/outcome action 12.3`. "
            "`/outcome 12 plan` lists outcome 12's actions."
        )
    action = await find_action(ctx.session, args.words[0])
    return await action_reply(ctx.session, action, ctx.tz, ctx.today, shared=args.shared)
