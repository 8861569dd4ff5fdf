"""Delivery plans read for people and for other features: an action by its number, its card,
the actions someone owns, and an outcome's actions as of a date (the progress report's and
`waymark status --json`'s query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import CommandContext, get_outcome, unknown_outcome_message
from commands.errors import UserError
from commands.plans.cards import (
    NEWEST_UPDATES,
    ActionFacts,
    UpdateFacts,
    action_card,
    owned_blocks,
)
from commands.plans.parsing import parse_ref
from commands.plans.states import owner_text
from commands.presentation.replies import Block, Reply
from storage.plan_models import ActionState, PlanAction
from storage.repositories import PlanRepository, RoadmapRepository


async def find_action(session: AsyncSession, text: str) -> PlanAction:
    """The action `12.3` names, or what to type instead."""
    outcome_number, number = parse_ref(text)
    plans = PlanRepository(session)
    action = await plans.action(outcome_number, number)
    if action is not None:
        return action
    outcome = await RoadmapRepository(session).outcome(outcome_number)
    if outcome is None:
        raise UserError(await unknown_outcome_message(session, outcome_number))
    taken = await plans.numbers(outcome.id)
    if not taken:
        raise UserError(
            f"Outcome {outcome_number} has no actions yet: its leads add them with "
            f"`/outcome {outcome_number} plan add TITLE …`."
        )
    raise UserError(
        f"There is no action {outcome_number}.{number}: outcome {outcome_number}'s are "
        f"{outcome_number}.{taken[0]} to {outcome_number}.{taken[-1]}. "
        f"`/outcome {outcome_number} plan` lists them."
    )


def facts_of(action: PlanAction, also: tuple[int, ...]) -> ActionFacts:
    outcome = action.outcome
    return ActionFacts(
        id=action.id,
        ref=f"{outcome.number}.{action.number}",
        title=action.title,
        kind=action.kind,
        lead_org=action.lead_org,
        owner_id=action.owner_id,
        start=action.start,
        due=action.due,
        state=action.state,
        outcome_number=outcome.number,
        outcome_title=outcome.title,
        group_name=outcome.owner.name if outcome.owner else None,
        also=also,
    )


async def action_reply(
    session: AsyncSession,
    action: PlanAction,
    tz: tzinfo,
    today: date,
    *,
    shared: bool = False,
    note: str | None = None,
) -> Reply:
    """An action's card, with its newest updates."""
    plans = PlanRepository(session)
    updates = await plans.updates(action.id, newest=NEWEST_UPDATES)
    total = len(updates)
    if total == NEWEST_UPDATES:
        total = await plans.update_count(action.id)
    also = tuple((await plans.serving([action.id])).get(action.id, ()))
    shown = [UpdateFacts(u.at, u.by_user, u.state, u.text) for u in updates]
    return action_card(facts_of(action, also), shown, total, tz, today, shared=shared, note=note)


async def owned_actions_blocks(ctx: CommandContext) -> list[Block]:
    """The actions the person asking owns, for `/outcome mine`; none when they own none."""
    owner = (ctx.caller.platform, ctx.caller.user_id)
    rows = await PlanRepository(ctx.session).rows(owner=owner)
    return owned_blocks(rows, ctx.tz, ctx.today)


@dataclass(frozen=True)
class UpdateView:
    at: datetime
    by: str  # as files write people: `U0123`, or `teams:ID`
    state: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "by": self.by,
            "state": self.state,
            "text": self.text,
        }


@dataclass(frozen=True)
class ActionView:
    """One action of an outcome's plan as it stood at a moment."""

    number: str  # `12.3`: its home outcome's number, then its own
    title: str
    kind: str
    lead_org: str
    owner: str
    start: date | None
    due: date | None
    state: str
    last_update: UpdateView | None

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "kind": self.kind,
            "lead_org": self.lead_org,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "state": self.state,
            "last_update": self.last_update.as_json() if self.last_update else None,
        }


async def outcome_actions(
    session: AsyncSession, number: int, *, as_of: datetime
) -> list[ActionView]:
    """Outcome `number`'s actions (its own, then those that also serve it) as they stood at
    `as_of`: those added by then, each with its latest update by then and the state that
    update gave. An action with no update by then is in the state it was added in when it has
    had none since, and `not_started` when later updates moved it on."""
    outcome = await get_outcome(session, number)
    plans = PlanRepository(session)
    then = await plans.rows(outcome_id=outcome.id, as_of=as_of)
    ever = {r.id: r for r in await plans.rows(outcome_id=outcome.id)}
    views = []
    for row in sorted(then, key=lambda r: (r.outcome_number != number, r.outcome_number, r.number)):
        update = None
        state = row.state if ever[row.id].latest_at is None else ActionState.NOT_STARTED.value
        if row.latest_at is not None and row.latest_by is not None and row.latest_state:
            by = owner_text(row.latest_platform, row.latest_by)
            update = UpdateView(row.latest_at, by, row.latest_state, row.latest_text or "")
            state = row.latest_state
        views.append(
            ActionView(
                number=row.ref,
                title=row.title,
                kind=row.kind,
                lead_org=row.lead_org,
                owner=owner_text(row.owner_platform, row.owner_id),
                start=row.start,
                due=row.due,
                state=state,
                last_update=update,
            )
        )
    return views
