"""Comparator figures and published progress reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from storage.models import Outcome
from storage.report_models import Comparator, PublishedReport


class ComparatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep(self, figure: Comparator) -> bool:
        """Store `figure`, replacing the one for the same outcome, area and period; True when
        it is new or its value or source changed."""
        query = select(Comparator).where(
            Comparator.outcome_id == figure.outcome_id,
            Comparator.area == figure.area,
            Comparator.period == figure.period,
        )
        found = await self.session.scalar(query)
        if found is None:
            self.session.add(figure)
            return True
        if (found.value, found.source) == (figure.value, figure.source):
            return False
        found.value, found.source, found.period_end = figure.value, figure.source, figure.period_end
        found.imported_by, found.imported_at = figure.imported_by, figure.imported_at
        return True

    async def of_outcomes(
        self, outcome_ids: Iterable[int] | None = None
    ) -> dict[int, list[Comparator]]:
        """Each outcome's comparator figures (of every outcome, or of those given), by area and
        then oldest period first; outcomes without any are left out."""
        query = select(Comparator).order_by(
            Comparator.outcome_id, Comparator.area, Comparator.period_end
        )
        if outcome_ids is not None:
            query = query.where(Comparator.outcome_id.in_(list(outcome_ids)))
        found: dict[int, list[Comparator]] = {}
        for figure in await self.session.scalars(query):
            found.setdefault(figure.outcome_id, []).append(figure)
        return found

    async def everything(self) -> list[tuple[int, Comparator]]:
        """Every figure with its outcome's number, for export."""
        query = (
            select(Outcome.number, Comparator)
            .join(Outcome, Outcome.id == Comparator.outcome_id)
            .order_by(Outcome.number, Comparator.area, Comparator.period_end)
        )
        return [(number, figure) for number, figure in await self.session.execute(query)]


class PublishedReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, report: PublishedReport) -> None:
        self.session.add(report)

    async def find(self, as_of: date, scope: str) -> PublishedReport | None:
        """The report published as of `as_of` for `scope`, with its PDF (to give it again)."""
        query = select(PublishedReport).where(
            PublishedReport.as_of == as_of, PublishedReport.scope == scope
        )
        return await self.session.scalar(query.options(undefer(PublishedReport.pdf)))

    async def by_file_token(self, token: str) -> PublishedReport | None:
        query = select(PublishedReport).where(PublishedReport.file_token == token)
        return await self.session.scalar(query.options(undefer(PublishedReport.pdf)))

    async def latest(self, scope: str | None = None) -> PublishedReport | None:
        """The report published for the latest date (of `scope`, or of any)."""
        query = select(PublishedReport).order_by(
            PublishedReport.as_of.desc(), PublishedReport.id.desc()
        )
        if scope is not None:
            query = query.where(PublishedReport.scope == scope)
        return await self.session.scalar(query.limit(1))

    async def everything(self) -> Sequence[PublishedReport]:
        """Every published report, the latest date first."""
        query = select(PublishedReport).order_by(
            PublishedReport.as_of.desc(), PublishedReport.id.desc()
        )
        return (await self.session.scalars(query)).all()
