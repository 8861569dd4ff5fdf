"""Readings a report leaves out because they came in after its date: a report as of a date
shows what was known by the end of that day, so a figure given since for a period it covers
(a late reading, a correction) is not in it, yet publishing locks that period. Named, so that
whoever makes the report sees it before the executive reads it without."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.periods import Cadence
from commands.domain.status import period_of
from commands.presentation.formatting import counted, day, with_unit
from storage.publication_models import ReadingState
from storage.repositories import ReadingRepository, RoadmapRepository

# Readings as far ahead as anyone could submit them: the query needs an end.
_AHEAD = timedelta(days=366 * 100)
_NAMED = 5  # readings named before "and N more"


@dataclass(frozen=True)
class LaterReading:
    number: int
    period: str
    figure: str  # with its unit
    submitted: date


async def came_in_later(
    session: AsyncSession, snapshot: dict[str, Any], tz: tzinfo
) -> list[LaterReading]:
    """The readings current now, of the outcomes `snapshot` reports, for periods ending by its
    date, submitted after that day, that a report as of a later date would show (approved, or
    any if it counts provisional ones): in outcome and period order."""
    as_of = date.fromisoformat(snapshot["as_of"])
    cutoff = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=tz)
    numbers = {o["number"] for o in snapshot["outcomes"]}
    outcomes = {o.id: o for o in await RoadmapRepository(session).outcomes(numbers=list(numbers))}
    found = []
    for r in await ReadingRepository(session).submitted_between(cutoff, cutoff + _AHEAD):
        outcome = outcomes.get(r.outcome_id)
        if outcome is None or not r.is_current:
            continue
        if r.state != ReadingState.APPROVED and not snapshot["include_provisional"]:
            continue
        if period_of(r.period, Cadence(outcome.cadence)).end > as_of:
            continue
        submitted = r.submitted_at.astimezone(tz).date()
        found.append(LaterReading(outcome.number, r.period, with_unit(r.value, outcome.unit),
                                  submitted))  # fmt: skip
    return sorted(found, key=lambda f: (f.number, f.period))


def later_words(later: list[LaterReading], as_of: date, *, published: bool) -> str | None:
    """One paragraph for the person making the report, or None when nothing came in later."""
    if not later:
        return None
    named = "; ".join(
        f"outcome {f.number}, {f.period}, {f.figure}, given {day(f.submitted)}"
        for f in later[:_NAMED]
    )
    more = f"; and {len(later) - _NAMED} more" if len(later) > _NAMED else ""
    them = "it" if len(later) == 1 else "them"
    locked = f" Publishing locked {them} too." if published else ""
    return (
        f"Not in this report: {counted(len(later), 'reading')} given after {day(as_of)} for "
        f"periods it covers, as it shows what was known by the end of that day: {named}{more}."
        f"{locked} A report as of a later date shows {them}."
    )
