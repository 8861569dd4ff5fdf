"""The road map with every outcome's status, in a constant number of queries whatever its size."""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from commands.context import get_outcome
from commands.domain.rules import Status
from commands.domain.standing import Standing, standing_of
from commands.domain.status import OutcomeStatus, status_of
from commands.errors import UserError
from commands.presentation.cards import PAGE_SIZE
from storage.models import Area, Outcome
from storage.repositories import (
    OutcomeRow,
    ReadingRepository,
    RoadmapRepository,
    StandingRepository,
    StandingRow,
)

# Whole-road-map work (lists, searches, the digest) at once in one process. Each holds every
# outcome and its two latest readings in memory and is all CPU: twenty at once take twenty
# times the memory of one and finish no sooner than twenty in turn.
WHOLE_ROADMAP_AT_ONCE = 2
# Above this many outcomes, their readings are found by walking every outcome rather than by
# a list of ids (a long IN list costs more than it saves, and PostgreSQL caps parameters).
_IDS_AT_MOST = 500

_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


@asynccontextmanager
async def whole_roadmap() -> AsyncIterator[None]:
    """Take a turn at whole-road-map work: at most `WHOLE_ROADMAP_AT_ONCE` in this process.

    Enter it before the first query, so that waiting holds no database connection."""
    turn = _turns.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(WHOLE_ROADMAP_AT_ONCE))
    async with turn:
        yield


async def outcome_status(
    session: AsyncSession, number: int, today: date, *, outcome: Outcome | None = None
) -> OutcomeStatus:
    """One outcome's status (`outcome` when the caller has loaded it already)."""
    if outcome is None:
        outcome = await get_outcome(session, number)
    latest = await ReadingRepository(session).latest(outcome.id)
    return status_of(outcome, latest, today)


async def row_statuses(
    session: AsyncSession,
    today: date,
    *,
    area_id: int | None = None,
    owner_ids: Iterable[int] | None = None,
    numbers: Iterable[int] | None = None,
    keep: Callable[[OutcomeRow], bool] | None = None,
) -> list[OutcomeStatus]:
    """The status of every outcome (in an area, of some groups, with some numbers, or for
    which `keep` is true), in road-map order, from plain rows in two queries."""
    rows = await RoadmapRepository(session).outcome_rows(
        area_id=area_id, owner_ids=owner_ids, numbers=numbers
    )
    if keep is not None:
        rows = [r for r in rows if keep(r)]
    return await statuses(session, rows, today)


async def standings(
    session: AsyncSession,
    today: date,
    *,
    area_id: int | None = None,
    owner_ids: Iterable[int] | None = None,
    keep: Callable[[StandingRow], bool] | None = None,
) -> list[Standing]:
    """Every outcome's standing (in an area, of some groups, or for which `keep` is true), in
    road-map order, as kept: one query, and no status worked out."""
    rows = await StandingRepository(session).rows(area_id=area_id, owner_ids=owner_ids)
    return [standing_of(r, today) for r in rows if keep is None or keep(r)]


async def standings_page(
    session: AsyncSession, today: date, page: int, *, area_id: int | None = None
) -> tuple[list[Standing], tuple[int, Counter[Status]]]:
    """One page of the road map's standings (or an area's), and how many outcomes there are
    with each status: counted in the database, and only the page's rows read."""
    standing = StandingRepository(session)
    tally = await standing.tally(area_id=area_id)
    counts: Counter[Status] = Counter()
    for status, n in tally.items():
        counts[Status(status) if status is not None else Status.NO_DATA] += n
    total = sum(counts.values())
    first = (max(page, 1) - 1) * PAGE_SIZE
    rows = []
    if first < total:
        rows = await standing.rows(area_id=area_id, limit=PAGE_SIZE, offset=first)
    return [standing_of(r, today) for r in rows], (total, counts)


async def statuses(
    session: AsyncSession, outcomes: Sequence[OutcomeRow], today: date
) -> list[OutcomeStatus]:
    """The status of each outcome given, with one query for all their readings."""
    if not outcomes:
        return []
    ids = [o.id for o in outcomes] if len(outcomes) <= _IDS_AT_MOST else None
    latest = await ReadingRepository(session).latest_rows(ids)
    return [status_of(o, latest.get(o.id, ()), today) for o in outcomes]


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
    area_id = (await find_area(session, area)).id if area else None
    return await row_statuses(session, today, area_id=area_id, numbers=numbers)
