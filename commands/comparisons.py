"""Comparator figures as the core reads them: plain `Comparison`s, by outcome. A module of its
own, beneath every feature that shows them (cards, redrawn cards, the digest, the report),
rather than in `comparators`, whose importing reaches the readings that redraw cards."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.comparators import Comparison, ordered
from storage.repositories import ComparatorRepository


async def comparisons_of(
    session: AsyncSession, outcome_ids: Iterable[int] | None = None
) -> dict[int, list[Comparison]]:
    """Each outcome's comparator figures by its id (England first, oldest period first); of
    every outcome, or of those given."""
    stored = await ComparatorRepository(session).of_outcomes(outcome_ids)
    return {
        outcome_id: ordered(
            Comparison(f.area, f.period, f.value, f.period_end, f.source) for f in figures
        )
        for outcome_id, figures in stored.items()
    }
