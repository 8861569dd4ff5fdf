"""Repositories: the queries waymark needs, by intent. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Area, AuditEntry, EventReceipt, Group, GroupLead, Outcome, Post, Reading


class RoadmapRepository:
    """Priority areas, partnership groups and outcomes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def areas(self) -> Sequence[Area]:
        return (await self.session.scalars(select(Area).order_by(Area.position))).all()

    async def groups(self) -> Sequence[Group]:
        return (await self.session.scalars(select(Group).order_by(Group.slug))).all()

    async def group(self, slug: str) -> Group | None:
        return await self.session.scalar(select(Group).where(Group.slug == slug))

    async def groups_led_by(self, user_id: str) -> Sequence[Group]:
        query = (
            select(Group)
            .join(GroupLead, GroupLead.group_id == Group.id)
            .where(GroupLead.user_id == user_id)
            .order_by(Group.slug)
        )
        return (await self.session.scalars(query)).all()

    async def outcome(self, number: int) -> Outcome | None:
        return await self.session.scalar(select(Outcome).where(Outcome.number == number))

    async def outcomes(
        self,
        *,
        area_id: int | None = None,
        owner_ids: Iterable[int] | None = None,
        numbers: Iterable[int] | None = None,
    ) -> Sequence[Outcome]:
        """Outcomes in road-map order, with their area and owner loaded in the same query."""
        query = select(Outcome).join(Outcome.area).order_by(Area.position, Outcome.number)
        if area_id is not None:
            query = query.where(Outcome.area_id == area_id)
        if owner_ids is not None:
            query = query.where(Outcome.owner_id.in_(list(owner_ids)))
        if numbers is not None:
            query = query.where(Outcome.number.in_(list(numbers)))
        return (await self.session.scalars(query)).unique().all()

    async def outcome_number_range(self) -> tuple[int, int] | None:
        low, high = (
            await self.session.execute(select(func.min(Outcome.number), func.max(Outcome.number)))
        ).one()
        return None if low is None else (int(low), int(high))

    async def is_empty(self) -> bool:
        return await self.session.scalar(select(func.count()).select_from(Outcome)) == 0

    def add(self, row: Area | Group | Outcome) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()


class ReadingRepository:
    """Every reading ever recorded; the current one per (outcome, period) is `is_current`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def latest(self, outcome_id: int, count: int = 2) -> Sequence[Reading]:
        """The newest current readings of one outcome, newest first (one index range scan)."""
        query = (
            select(Reading)
            .where(Reading.outcome_id == outcome_id, Reading.is_current.is_(True))
            .order_by(Reading.period_start.desc())
            .limit(count)
        )
        return (await self.session.scalars(query)).all()

    async def latest_for_all(
        self, outcome_ids: Iterable[int] | None = None
    ) -> dict[int, list[Reading]]:
        """The latest and previous current readings of every outcome, in one query."""
        ranked = select(
            Reading.id,
            func.row_number()
            .over(partition_by=Reading.outcome_id, order_by=Reading.period_start.desc())
            .label("rank"),
        ).where(Reading.is_current.is_(True))
        if outcome_ids is not None:
            ranked = ranked.where(Reading.outcome_id.in_(list(outcome_ids)))
        ranked_sq = ranked.subquery()
        query = (
            select(Reading)
            .join(ranked_sq, ranked_sq.c.id == Reading.id)
            .where(ranked_sq.c.rank <= 2)
            .order_by(Reading.outcome_id, Reading.period_start.desc())
        )
        found: dict[int, list[Reading]] = {}
        for reading in await self.session.scalars(query):
            found.setdefault(reading.outcome_id, []).append(reading)
        return found

    async def current(self, outcome_id: int, period_start: date) -> Reading | None:
        query = select(Reading).where(
            Reading.outcome_id == outcome_id,
            Reading.period_start == period_start,
            Reading.is_current.is_(True),
        )
        return await self.session.scalar(query)

    async def history(self, outcome_id: int) -> Sequence[Reading]:
        """Every reading of one outcome, superseded ones included, in period then entry order."""
        query = (
            select(Reading)
            .where(Reading.outcome_id == outcome_id)
            .order_by(Reading.period_start, Reading.submitted_at, Reading.id)
        )
        return (await self.session.scalars(query)).all()

    async def everything(self) -> Sequence[tuple[int, Reading]]:
        """(outcome number, reading) for every reading, for export."""
        query = (
            select(Outcome.number, Reading)
            .join(Outcome, Outcome.id == Reading.outcome_id)
            .order_by(Outcome.number, Reading.period_start, Reading.submitted_at, Reading.id)
        )
        return [(number, reading) for number, reading in (await self.session.execute(query))]

    async def by_source_key(self, source_key: str) -> Reading | None:
        return await self.session.scalar(select(Reading).where(Reading.source_key == source_key))

    async def submitted_between(self, start: datetime, end: datetime) -> Sequence[Reading]:
        query = (
            select(Reading)
            .where(Reading.submitted_at >= start, Reading.submitted_at < end)
            .order_by(Reading.submitted_at, Reading.id)
        )
        return (await self.session.scalars(query)).all()

    async def superseded_of(self, reading_ids: Iterable[int]) -> dict[int, Reading]:
        """For each given reading that corrected another, the reading it replaced."""
        older = aliased(Reading)
        query = (
            select(Reading.id, older)
            .join(older, older.id == Reading.supersedes_id)
            .where(Reading.id.in_(list(reading_ids)))
        )
        return dict((await self.session.execute(query)).tuples().all())

    def add(self, reading: Reading) -> None:
        self.session.add(reading)

    async def flush(self) -> None:
        await self.session.flush()


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at, actor=actor, action=action, subject=subject, before=before, after=after
            )
        )

    async def for_subject(self, subject: str) -> Sequence[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.id)
        return (await self.session.scalars(query)).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


class PostRepository:
    """Messages waymark posted about outcomes, so that replies in their threads can be read."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        platform: str,
        channel_id: str,
        message_id: str,
        kind: str,
        outcomes: Sequence[int],
        posted_at: datetime,
        group_id: int | None = None,
    ) -> Post:
        existing = await self.find(platform, channel_id, message_id)
        if existing is not None:
            return existing
        post = Post(
            platform=platform,
            channel_id=channel_id,
            message_id=message_id,
            kind=kind,
            outcomes=list(outcomes),
            group_id=group_id,
            posted_at=posted_at,
        )
        self.session.add(post)
        await self.session.flush()
        return post

    async def find(self, platform: str, channel_id: str, message_id: str) -> Post | None:
        query = select(Post).where(
            Post.platform == platform, Post.channel_id == channel_id, Post.message_id == message_id
        )
        return await self.session.scalar(query)


class ReceiptRepository:
    """Inbound events already handled, so that a retried delivery is recognised."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, event_id: str, platform: str, at: datetime) -> bool:
        """Record the event; False if it was already recorded (by this or another replica)."""
        try:
            async with self.session.begin_nested():
                self.session.add(EventReceipt(event_id=event_id, platform=platform, received_at=at))
        except IntegrityError:
            return False
        return True
