"""Weekly digests, and the readings a digest reports on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DigestRun, DigestState
from storage.repositories._queries import insert_or_ignore
from storage.repositories.digest_week import DigestWeek, week_in


class DigestRepository:
    """Weekly digests per channel and week, and the readings a digest reports on."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, channel_id: str, week_start: date, *, state: DigestState | str, at: datetime
    ) -> DigestRun | None:
        """The new run, or None when this channel's week is already recorded."""
        statement = (
            insert_or_ignore(self.session, DigestRun)
            .values(channel_id=channel_id, week_start=week_start, state=state, planned_at=at)
            .on_conflict_do_nothing(index_elements=["channel_id", "week_start"])
            .returning(DigestRun.id)
        )
        new_id = await self.session.scalar(statement)
        return None if new_id is None else await self.session.get(DigestRun, new_id)

    async def for_week(self, channel_id: str, week_start: date) -> DigestRun | None:
        query = select(DigestRun).where(
            DigestRun.channel_id == channel_id, DigestRun.week_start == week_start
        )
        return await self.session.scalar(query)

    async def latest_week(self, channel_id: str) -> date | None:
        query = select(func.max(DigestRun.week_start)).where(DigestRun.channel_id == channel_id)
        return await self.session.scalar(query)

    async def attach(self, run_id: int, outbox_id: int) -> None:
        run = await self.session.get(DigestRun, run_id)
        assert run is not None
        run.outbox_id = outbox_id
        await self.session.flush()

    async def everything(self) -> Sequence[DigestRun]:
        query = select(DigestRun).order_by(DigestRun.channel_id, DigestRun.week_start)
        return (await self.session.scalars(query)).all()

    async def week(self, start: datetime, end: datetime, first: int) -> DigestWeek:
        """What came in during [start, end), counted in the database, with only the first
        `first` of each list read (a busy week is a thousand readings; a digest shows eight):
        see `digest_week`."""
        return await week_in(self.session, start, end, first)
