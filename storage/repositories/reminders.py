"""The reminder ladder's rungs, posted or passed over."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Reminder, ReminderState
from storage.repositories._queries import insert_or_ignore


class ReminderRepository:
    """The reminder ladder's rungs already posted or passed over, per (outcome, period, level)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recorded(self, outcome_ids: Iterable[int]) -> dict[int, set[tuple[str, int]]]:
        """For each outcome, the (period, level) pairs already recorded."""
        query = select(Reminder.outcome_id, Reminder.period, Reminder.level).where(
            Reminder.outcome_id.in_(list(outcome_ids))
        )
        found: dict[int, set[tuple[str, int]]] = {}
        for outcome_id, period, level in await self.session.execute(query):
            found.setdefault(outcome_id, set()).add((period, level))
        return found

    async def group_last_heard(
        self, outcome_ids: Iterable[int], levels: Iterable[int], repeat_base: int
    ) -> dict[tuple[int, str], tuple[datetime, int]]:
        """For each (outcome, period): when its group was last reminded (the newest posted
        rung of `levels`, or a repeat: a level above `repeat_base`), and the highest repeat
        posted (0: none)."""
        heard = (Reminder.level.in_(list(levels))) | (Reminder.level > repeat_base)
        query = (
            select(
                Reminder.outcome_id,
                Reminder.period,
                func.max(Reminder.planned_at),
                func.max(Reminder.level),
            )
            .where(
                Reminder.outcome_id.in_(list(outcome_ids)),
                Reminder.state == ReminderState.POSTED,
                heard,
            )
            .group_by(Reminder.outcome_id, Reminder.period)
        )
        found: dict[tuple[int, str], tuple[datetime, int]] = {}
        for outcome_id, period, last, top in await self.session.execute(query):
            found[(outcome_id, period)] = (last, max(top - repeat_base, 0))
        return found

    async def add(
        self, rungs: Sequence[tuple[int, str, int]], *, state: ReminderState | str, at: datetime
    ) -> list[Reminder]:
        """Record (outcome id, period, level) rungs; returns only those not recorded before.
        Rows go in key order, so two replicas inserting overlapping sets cannot deadlock."""
        added: list[Reminder] = []
        for outcome_id, period, level in sorted(rungs):
            statement = (
                insert_or_ignore(self.session, Reminder)
                .values(
                    outcome_id=outcome_id, period=period, level=level, state=state, planned_at=at
                )
                .on_conflict_do_nothing(index_elements=["outcome_id", "period", "level"])
                .returning(Reminder.id)
            )
            new_id = await self.session.scalar(statement)
            if new_id is not None:
                reminder = await self.session.get(Reminder, new_id)
                assert reminder is not None
                added.append(reminder)
        return added

    async def attach(self, reminder_ids: Iterable[int], outbox_id: int) -> None:
        await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(list(reminder_ids)))
            .values(outbox_id=outbox_id)
            .execution_options(synchronize_session=False)
        )

    async def everything(self) -> Sequence[Reminder]:
        query = select(Reminder).order_by(Reminder.outcome_id, Reminder.period, Reminder.level)
        return (await self.session.scalars(query)).all()

    async def periods_asked(self, outbox_id: int, outcome_id: int) -> set[str]:
        """The periods of an outcome whose readings the message `outbox_id` asked for."""
        query = select(Reminder.period).where(
            Reminder.outbox_id == outbox_id, Reminder.outcome_id == outcome_id
        )
        return set((await self.session.scalars(query)).all())
