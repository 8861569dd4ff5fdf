"""The road map with every outcome's status, in a constant number of queries whatever its size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from commands.errors import UserError
from commands.readings import get_outcome
from commands.status import OutcomeStatus, status_of
from storage.models import Area, Outcome
from storage.repositories import ReadingRepository, RoadmapRepository


async def outcome_status(session: AsyncSession, number: int, today: date) -> OutcomeStatus:
    outcome = await get_outcome(session, number)
    latest = await ReadingRepository(session).latest(outcome.id)
    return status_of(outcome, latest, today)


async def statuses(
    session: AsyncSession, outcomes: Sequence[Outcome], today: date
) -> list[OutcomeStatus]:
    """The status of each outcome given, with one query for all their readings."""
    if not outcomes:
        return []
    latest = await ReadingRepository(session).latest_for_all(o.id for o in outcomes)
    return [status_of(o, latest.get(o.id, []), today) for o in outcomes]


async def find_area(session: AsyncSession, text: str) -> Area:
    """An area by slug, name or the start of either: `net-zero`, `Net zero`, `net`."""
    areas = await RoadmapRepository(session).areas()
    wanted = text.strip().lower()
    exact = [a for a in areas if wanted in (a.slug, a.name.lower())]
    starting = [a for a in areas if a.slug.startswith(wanted) or a.name.lower().startswith(wanted)]
    containing = [a for a in areas if wanted in a.name.lower()]
    for matches in (exact, starting, containing):
        if len(matches) == 1:
            return matches[0]
    names = ", ".join(a.slug for a in areas)
    raise UserError(f"'{text}' is not a priority area. The areas are: {names}.")


async def list_statuses(
    session: AsyncSession,
    today: date,
    *,
    area: str | None = None,
    numbers: Iterable[int] | None = None,
) -> list[OutcomeStatus]:
    roadmap = RoadmapRepository(session)
    area_id = (await find_area(session, area)).id if area else None
    outcomes = await roadmap.outcomes(area_id=area_id, numbers=numbers)
    return await statuses(session, outcomes, today)
