"""Delivery plans: actions, the outcomes they serve, their updates and their reminder rungs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Group, Outcome, ReminderState
from storage.plan_models import (
    ActionOutcome,
    ActionReminder,
    ActionState,
    ActionUpdate,
    PlanAction,
)
from storage.repositories._queries import insert_or_ignore
from storage.repositories.rows import storable

CLOSED = (ActionState.COMPLETE.value, ActionState.CANCELLED.value)


@dataclass(frozen=True, slots=True)
class ActionRow:
    """An action's columns as plain values, with its latest update (as of a moment, when
    asked) and the home outcome's group."""

    id: int
    outcome_number: int
    number: int
    title: str
    kind: str
    lead_org: str
    owner_platform: str | None
    owner_id: str | None
    start: date | None
    due: date | None
    state: str
    created_at: datetime
    group_id: int | None
    latest_at: datetime | None
    latest_platform: str | None
    latest_by: str | None
    latest_state: str | None
    latest_text: str | None
    completed_at: datetime | None = None  # only from `digest_rows`

    @property
    def ref(self) -> str:
        return f"{self.outcome_number}.{self.number}"


def _latest(as_of: datetime | None) -> Any:
    """Each action's latest update (at or before `as_of`), ranked 1."""
    ranked = select(
        ActionUpdate.action_id,
        ActionUpdate.at,
        ActionUpdate.by_platform,
        ActionUpdate.by_user,
        ActionUpdate.state,
        ActionUpdate.text,
        func.row_number()
        .over(
            partition_by=ActionUpdate.action_id,
            order_by=(ActionUpdate.at.desc(), ActionUpdate.id.desc()),
        )
        .label("rank"),
    )
    if as_of is not None:
        ranked = ranked.where(ActionUpdate.at <= as_of)
    return ranked.subquery("latest")


def _rows_query(as_of: datetime | None = None, *extra: Any) -> Any:
    latest = _latest(as_of)
    return (
        select(
            PlanAction.id,
            Outcome.number,
            PlanAction.number,
            PlanAction.title,
            PlanAction.kind,
            PlanAction.lead_org,
            PlanAction.owner_platform,
            PlanAction.owner_id,
            PlanAction.start,
            PlanAction.due,
            PlanAction.state,
            PlanAction.created_at,
            Outcome.owner_id,
            latest.c.at,
            latest.c.by_platform,
            latest.c.by_user,
            latest.c.state,
            latest.c.text,
            *extra,
        )
        .join(Outcome, Outcome.id == PlanAction.outcome_id)
        .outerjoin(latest, and_(latest.c.action_id == PlanAction.id, latest.c.rank == 1))
        .order_by(Outcome.number, PlanAction.number)
    )


class PlanRepository:
    """Actions and their updates, by intent."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, action_id: int) -> PlanAction | None:
        if not storable(action_id):
            return None
        return await self.session.get(PlanAction, action_id)

    async def action(self, outcome_number: int, number: int) -> PlanAction | None:
        """Action `outcome_number.number`, with its home outcome, its group and the group's
        leads."""
        if not storable(outcome_number, number):
            return None
        query = (
            select(PlanAction)
            .join(Outcome, Outcome.id == PlanAction.outcome_id)
            .where(Outcome.number == outcome_number, PlanAction.number == number)
            .options(joinedload(PlanAction.outcome).joinedload(Outcome.owner))
        )
        return (await self.session.scalars(query)).unique().one_or_none()

    async def numbers(self, outcome_id: int, *, lock: bool = False) -> list[int]:
        """The numbers taken in an outcome's plan. With `lock`, on PostgreSQL, the outcome's
        row is locked until the transaction ends, so that two leads adding at once take
        different numbers (SQLite's writers take turns already)."""
        if lock:
            await self.session.execute(
                select(Outcome.id).where(Outcome.id == outcome_id).with_for_update()
            )
        query = select(PlanAction.number).where(PlanAction.outcome_id == outcome_id)
        return sorted((await self.session.scalars(query)).all())

    def add(self, row: PlanAction | ActionUpdate) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def rows(
        self,
        *,
        outcome_id: int | None = None,
        owner: tuple[str, str] | None = None,
        open_only: bool = False,
        as_of: datetime | None = None,
    ) -> list[ActionRow]:
        """Actions as rows in plan order (an outcome's: those it is home to and those that
        also serve it; an owner's; the open ones), each with its latest update."""
        query = _rows_query(as_of)
        if outcome_id is not None:
            serving = select(ActionOutcome.action_id).where(ActionOutcome.outcome_id == outcome_id)
            query = query.where(
                or_(PlanAction.outcome_id == outcome_id, PlanAction.id.in_(serving))
            )
        if owner is not None:
            query = query.where(
                PlanAction.owner_platform == owner[0], PlanAction.owner_id == owner[1]
            )
        if open_only:
            query = query.where(PlanAction.state.not_in(CLOSED))
        if as_of is not None:
            # Started by then, or (with no start date) added by then: an action imported
            # late still belongs to the plan from its start.
            query = query.where(
                or_(
                    PlanAction.start <= as_of.date(),
                    and_(PlanAction.start.is_(None), PlanAction.created_at <= as_of),
                )
            )
        return [ActionRow(*row) for row in await self.session.execute(query)]

    async def digest_rows(self, today: date, start: datetime, end: datetime) -> list[ActionRow]:
        """In one statement: actions delayed, past their due date while open, or completed
        between `start` and `end` (`completed_at`: the first update saying so then)."""
        completed = (
            select(func.min(ActionUpdate.at))
            .where(
                ActionUpdate.action_id == PlanAction.id,
                ActionUpdate.state == ActionState.COMPLETE.value,
                ActionUpdate.at >= start,
                ActionUpdate.at < end,
            )
            .correlate(PlanAction)
            .scalar_subquery()
        )
        query = _rows_query(None, completed.label("completed_at")).where(
            or_(
                PlanAction.state == ActionState.DELAYED.value,
                and_(PlanAction.due < today, PlanAction.state.not_in(CLOSED)),
                and_(PlanAction.state == ActionState.COMPLETE.value, completed.is_not(None)),
            )
        )
        return [ActionRow(*row) for row in await self.session.execute(query)]

    async def serving(self, action_ids: Iterable[int]) -> dict[int, list[int]]:
        """The other outcomes each action serves, by number, in the order given."""
        ids = list(action_ids)
        if not ids:
            return {}
        query = (
            select(ActionOutcome.action_id, Outcome.number)
            .join(Outcome, Outcome.id == ActionOutcome.outcome_id)
            .where(ActionOutcome.action_id.in_(ids))
            .order_by(ActionOutcome.action_id, ActionOutcome.position)
        )
        found: dict[int, list[int]] = {}
        for action_id, number in await self.session.execute(query):
            found.setdefault(action_id, []).append(number)
        return found

    async def everything(self) -> Sequence[PlanAction]:
        """Every action, in plan order, for export."""
        query = (
            select(PlanAction)
            .join(Outcome, Outcome.id == PlanAction.outcome_id)
            .order_by(Outcome.number, PlanAction.number)
        )
        return (await self.session.scalars(query)).unique().all()

    async def updates(self, action_id: int, *, newest: int | None = None) -> list[ActionUpdate]:
        """An action's updates, newest first (the `newest` few, when given)."""
        query = (
            select(ActionUpdate)
            .where(ActionUpdate.action_id == action_id)
            .order_by(ActionUpdate.at.desc(), ActionUpdate.id.desc())
        )
        if newest is not None:
            query = query.limit(newest)
        return list((await self.session.scalars(query)).all())

    async def update_count(self, action_id: int) -> int:
        query = select(func.count()).where(ActionUpdate.action_id == action_id)
        return int(await self.session.scalar(query) or 0)

    async def all_updates(self) -> list[tuple[str, ActionUpdate]]:
        """Every update with its action's reference (`12.3`), oldest first per action, for
        export."""
        query = (
            select(Outcome.number, PlanAction.number, ActionUpdate)
            .join(PlanAction, PlanAction.id == ActionUpdate.action_id)
            .join(Outcome, Outcome.id == PlanAction.outcome_id)
            .order_by(Outcome.number, PlanAction.number, ActionUpdate.at, ActionUpdate.id)
        )
        return [(f"{o}.{n}", u) for o, n, u in await self.session.execute(query)]

    async def by_source(self, source_key: str, *, with_edits: bool = False) -> list[ActionUpdate]:
        """Updates a chat message gave (and, `with_edits`, its edits gave), oldest first."""
        condition: ColumnElement[bool] = ActionUpdate.source_key == source_key
        if with_edits:
            condition = or_(condition, ActionUpdate.source_key.startswith(f"{source_key}:edit:"))
        query = select(ActionUpdate).where(condition).order_by(ActionUpdate.id)
        return list((await self.session.scalars(query)).all())

    async def groups(self, group_ids: Iterable[int]) -> dict[int, Group]:
        ids = list(group_ids)
        if not ids:
            return {}
        found = await self.session.scalars(select(Group).where(Group.id.in_(ids)))
        return {g.id: g for g in found}

    # ----- the reminder ladder

    async def recorded_rungs(self, action_ids: Iterable[int]) -> dict[int, set[tuple[date, int]]]:
        """For each action, the (since, level) rungs already posted or passed over."""
        ids = list(action_ids)
        if not ids:
            return {}
        query = select(ActionReminder.action_id, ActionReminder.since, ActionReminder.level).where(
            ActionReminder.action_id.in_(ids)
        )
        found: dict[int, set[tuple[date, int]]] = {}
        for action_id, since, level in await self.session.execute(query):
            found.setdefault(action_id, set()).add((since, level))
        return found

    async def add_rungs(
        self, rungs: Sequence[tuple[int, date, int]], *, state: ReminderState | str, at: datetime
    ) -> dict[tuple[int, date, int], int]:
        """Record (action id, since, level) rungs; the ids of those not recorded before, by
        rung. Rows go in key order, so replicas cannot deadlock."""
        added: dict[tuple[int, date, int], int] = {}
        for action_id, since, level in sorted(rungs):
            statement = (
                insert_or_ignore(self.session, ActionReminder)
                .values(action_id=action_id, since=since, level=level, state=state, planned_at=at)
                .on_conflict_do_nothing(index_elements=["action_id", "since", "level"])
                .returning(ActionReminder.id)
            )
            new_id = await self.session.scalar(statement)
            if new_id is not None:
                added[(action_id, since, level)] = new_id
        return added

    async def attach(self, reminder_ids: Iterable[int], outbox_id: int) -> None:
        await self.session.execute(
            update(ActionReminder)
            .where(ActionReminder.id.in_(list(reminder_ids)))
            .values(outbox_id=outbox_id)
            .execution_options(synchronize_session=False)
        )

    async def rungs(self) -> Sequence[ActionReminder]:
        query = select(ActionReminder).order_by(
            ActionReminder.action_id, ActionReminder.since, ActionReminder.level
        )
        return (await self.session.scalars(query)).all()
