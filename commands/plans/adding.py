"""`/outcome N plan add TITLE [due DATE] [start DATE] [owner @PERSON] [lead ORG] [also 14]`:
a new action in outcome N's plan, for the leads of the group that oversees it and admins.
`/outcome N plan pledge TITLE lead ORG …` adds a pledge: an action its lead organisation made."""

from __future__ import annotations

import re

from commands.context import Args, CommandContext, outcome_named
from commands.errors import UserError
from commands.plans.parsing import NewAction, read_new_action
from commands.plans.queries import action_reply
from commands.plans.states import owner_text
from commands.presentation.formatting import day
from commands.presentation.replies import Reply
from storage.models import Outcome
from storage.plan_models import ActionKind, ActionOutcome, ActionState, PlanAction
from storage.repositories import AuditRepository, PlanRepository, RoadmapRepository

_AFTER_VERB = re.compile(r"^\s*#?\d+\s+plan\s+(?:add|pledge)\b(.*)$", re.IGNORECASE | re.DOTALL)


def may_plan(ctx: CommandContext, outcome: Outcome) -> bool:
    """The leads of the group that oversees the outcome, and administrators."""
    if ctx.caller.is_admin:
        return True
    return outcome.owner is not None and ctx.caller.user_id in outcome.owner.lead_ids


def who_can_plan(outcome: Outcome) -> UserError:
    if outcome.owner is None or not outcome.owner.lead_ids:
        return UserError(
            f"Only administrators can add actions to outcome {outcome.number}'s plan: no "
            "partnership group leads it yet."
        )
    return UserError(
        f"Only the leads of the {outcome.owner.name} and administrators can add actions to "
        f"outcome {outcome.number}'s plan. Ask a lead to add it:",
        mentions=tuple(outcome.owner.lead_ids),
    )


async def add_action(ctx: CommandContext, args: Args, *, pledge: bool = False) -> Reply:
    assert args.number is not None
    outcome = await outcome_named(ctx, args)
    if not may_plan(ctx, outcome):
        raise who_can_plan(outcome)
    new = read_new_action(_typed_after_verb(args), ctx.caller.user_id, number=outcome.number)
    _check(ctx, new, outcome.number, pledge=pledge)
    roadmap = RoadmapRepository(ctx.session)
    also: list[Outcome] = []
    for number in new.also:
        other = await roadmap.outcome(number)
        if other is None:
            raise UserError(
                f"There is no outcome {number} for the action to serve too; check the number "
                "after `also` (`/outcome list` shows them all)."
            )
        also.append(other)
    plans = PlanRepository(ctx.session)
    taken = await plans.numbers(outcome.id, lock=True)
    owner = new.owner or ctx.caller.user_id
    action = PlanAction(
        outcome=outcome,
        number=(taken[-1] if taken else 0) + 1,
        title=new.title,
        kind=ActionKind.PLEDGE if pledge else ActionKind.ACTION,
        lead_org=new.lead_org,
        owner_platform=ctx.caller.platform,
        owner_id=owner,
        start=new.start or ctx.today,
        due=new.due,
        state=ActionState.NOT_STARTED,
        created_at=ctx.now,
        created_by=ctx.caller.user_id,
    )
    action.also = [ActionOutcome(outcome_id=o.id, position=i) for i, o in enumerate(also)]
    plans.add(action)
    await plans.flush()
    ref = f"{outcome.number}.{action.number}"
    AuditRepository(ctx.session).record(
        at=ctx.now,
        actor=ctx.caller.user_id,
        action="action.added",
        subject=f"action:{ref}",
        after={
            "title": action.title,
            "kind": action.kind,
            "lead_org": action.lead_org,
            "owner": owner_text(action.owner_platform, action.owner_id),
            "start": action.start.isoformat() if action.start else None,
            "due": action.due.isoformat() if action.due else None,
            "state": action.state,
            "also": [o.number for o in also],
        },
    )
    what = "pledge" if pledge else "action"
    note = f"Added {what} {ref} to outcome {outcome.number}'s delivery plan."
    if new.owner is None:
        note += " You own it; name someone else with `owner @PERSON` when you add one."
    return await action_reply(ctx.session, action, ctx.tz, ctx.today, shared=args.shared, note=note)


def _typed_after_verb(args: Args) -> str:
    """What followed `plan add` as typed (the words of `args` have lost `share`, which a title
    may hold); a `share` at the very end asks to show the answer to the channel."""
    match = _AFTER_VERB.match(args.raw)
    text = match.group(1) if match else " ".join(args.words[1:])
    return re.sub(r"\s+share\s*$", "", text, flags=re.IGNORECASE).strip()


def _check(ctx: CommandContext, new: NewAction, number: int, *, pledge: bool) -> None:
    if pledge and not new.lead_org:
        raise UserError(
            "A pledge is made by an organisation: name it after `lead`, like "
            f"`/outcome {number} plan pledge Pay the Real Living Wage lead Luton Airport`."
        )
    if new.due is not None and new.due < ctx.today:
        raise UserError(
            f"{day(new.due)} has passed: give a due date from today on, like `due March "
            f"{ctx.today.year + 1}`."
        )
