"""Weekly digests, and the readings a digest reports on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import false, func, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DigestRun, DigestState, Reading
from storage.repositories._queries import READING_COLUMNS, insert_or_ignore, newest_id, reading_rows
from storage.repositories.rows import ReadingRow


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

    async def around(self, start: datetime, end: datetime) -> dict[int, list[ReadingRow]]:
        """For each outcome with a reading submitted in [start, end), enough of its readings to
        tell which were current at `start` and at `end`, newest two periods of each, and which
        came just before each period received; in one query, a bounded walk per outcome.

        With `floor` the earliest period received for the outcome: the readings superseded since
        `start` (few), the current ones from `floor` on (the periods received and any newer),
        and the two newest current ones before `floor` submitted before `start`. (Nothing
        below `floor` came in during the week, so no other reading can be among the newest two
        current at either end, or just before a period received.)"""
        touched = (
            select(Reading.outcome_id, func.min(Reading.period_start).label("floor"))
            .where(Reading.submitted_at >= start, Reading.submitted_at < end)
            .group_by(Reading.outcome_id)
            .subquery()
        )
        superseded = (
            select(*READING_COLUMNS)
            .join(touched, touched.c.outcome_id == Reading.outcome_id)
            .where(Reading.is_current == false(), Reading.superseded_at >= start)
        )
        from_floor = (
            select(*READING_COLUMNS)
            .join(touched, touched.c.outcome_id == Reading.outcome_id)
            .where(Reading.is_current == true(), Reading.period_start >= touched.c.floor)
        )

        def below_floor(n: int) -> Any:
            newest = newest_id(
                touched.c.outcome_id,
                n,
                lambda older: (older.period_start < touched.c.floor, older.submitted_at < start),
            )
            return select(*READING_COLUMNS).select_from(touched).join(Reading, Reading.id == newest)

        picked = union_all(superseded, from_floor, below_floor(0), below_floor(1)).subquery()
        query = select(*picked.c).order_by(
            picked.c.outcome_id, picked.c.period_start, picked.c.submitted_at, picked.c.id
        )
        found: dict[int, list[ReadingRow]] = {}
        for reading in reading_rows(await self.session.execute(query)):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found
