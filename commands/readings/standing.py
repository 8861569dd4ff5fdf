"""Statuses kept, not worked out on every read: each reading's status against the outcome's
targets as they stand (`path_status`), and each outcome's status now (its latest current
reading's), written in the transaction of every write that can change them.

- a reading stored (any channel): `keep_after_reading`, with the outcome's row held;
- readings imported in bulk: rated as they are written, then `refresh` (one statement);
- targets changed (baseline, milestones, tolerance, polarity, cadence: a road-map import):
  the import marks the outcome (its status None), and `keep_every_status` rates its
  readings again before the import's transaction ends;
- a database migrated, or filled by other means (the bench): `keep_every_status` at start.

Approving a reading does not change a status (provisional readings count as much), nor does
time: a reading is rated at its period's end. What is overdue moves with the date, and is worked
out from dates when read (`commands.domain.standing.overdue_due`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.status import path_status
from storage.db import Database
from storage.models import Outcome, Reading
from storage.repositories import NO_DATA, RoadmapRepository, StandingRepository, is_held

# Outcomes whose readings are rated again per round: their readings are held in memory.
_OUTCOMES_AT_ONCE = 200


@dataclass(frozen=True)
class Held:
    """An outcome's kept status as it was when its row was held for a reading."""

    status: str | None
    latest_period_start: date | None


async def hold(session: AsyncSession, outcome: Outcome) -> Held:
    """Before looking at an outcome's readings to store one: see `StandingRepository.hold`.
    An outcome loaded held in this unit of work is held already, its kept status as loaded."""
    if is_held(session, outcome.id):
        return Held(outcome.status, outcome.latest_period_start)
    return Held(*await StandingRepository(session).hold(outcome.id))


async def keep_after_reading(
    session: AsyncSession, outcome: Outcome, held: Held, newest: Sequence[Reading]
) -> None:
    """Keep the outcome's status once a reading is stored: `newest` are its current readings
    after the write, newest first (the reading just stored among them when it is current)."""
    if held.status is None:
        return  # its readings wait to be rated again: `keep_every_status` keeps it then
    latest = newest[0] if newest else None
    status = NO_DATA
    if latest is not None:
        status = latest.path_status or path_status(outcome, latest.period_start, latest.value).value
    start = latest.period_start if latest else None
    if (held.status, held.latest_period_start) != (status, start):
        await StandingRepository(session).keep(outcome.id, status, start)


async def keep_every_status(session: AsyncSession) -> int:
    """Rate the readings of every outcome marked as waiting (new to the database, or its
    targets changed), and keep its status; how many outcomes. Nothing to do is one query."""
    standing = StandingRepository(session)
    waiting = await standing.unkept()
    for at in range(0, len(waiting), _OUTCOMES_AT_ONCE):
        ids = waiting[at : at + _OUTCOMES_AT_ONCE]
        outcomes = {o.id: o for o in await RoadmapRepository(session).outcome_rows(ids=ids)}
        found = sorted(await standing.to_rate(ids), key=lambda r: r.outcome_id)
        pairs = []
        for outcome_id, readings in groupby(found, key=lambda r: r.outcome_id):
            outcome = outcomes[outcome_id]
            pairs += [(r.id, path_status(outcome, r.period_start, r.value).value) for r in readings]
        await standing.rate(pairs)
        await standing.refresh(ids, including_waiting=True)
    return len(waiting)


async def keep_statuses_once_migrated(db: Database) -> int:
    """What every entry point runs after migrating: the backfill of a database whose statuses
    were never kept (migration 0013), and a no-op query ever after."""
    async with db.transaction() as session:
        kept = await keep_every_status(session)
        if kept:
            # Many rows changed at once: the planner's figures for them are out of date.
            await StandingRepository(session).analyse()
        return kept
