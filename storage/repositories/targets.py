"""Revisions of outcomes' targets: written once by an import, read by history and status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Outcome, TargetRevision


class TargetRevisionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, revision: TargetRevision) -> None:
        self.session.add(revision)

    async def of_outcome(self, outcome_id: int) -> Sequence[TargetRevision]:
        """An outcome's revisions, oldest first."""
        query = (
            select(TargetRevision)
            .where(TargetRevision.outcome_id == outcome_id)
            .order_by(TargetRevision.at, TargetRevision.id)
        )
        return (await self.session.scalars(query)).all()

    async def of_outcomes(self, outcome_ids: Iterable[int]) -> dict[int, list[TargetRevision]]:
        """The revisions of each of these outcomes, oldest first (outcomes without any are
        left out)."""
        query = (
            select(TargetRevision)
            .where(TargetRevision.outcome_id.in_(list(outcome_ids)))
            .order_by(TargetRevision.outcome_id, TargetRevision.at, TargetRevision.id)
        )
        found: dict[int, list[TargetRevision]] = {}
        for revision in await self.session.scalars(query):
            found.setdefault(revision.outcome_id, []).append(revision)
        return found

    async def everything(self) -> list[tuple[int, TargetRevision]]:
        """Every revision with its outcome's number, by outcome number, oldest first."""
        query = (
            select(Outcome.number, TargetRevision)
            .join(Outcome, Outcome.id == TargetRevision.outcome_id)
            .order_by(Outcome.number, TargetRevision.at, TargetRevision.id)
        )
        return [(number, revision) for number, revision in (await self.session.execute(query))]

    async def at(self, outcome_id: int, at: datetime) -> TargetRevision | None:
        query = select(TargetRevision).where(
            TargetRevision.outcome_id == outcome_id, TargetRevision.at == at
        )
        return await self.session.scalar(query)
