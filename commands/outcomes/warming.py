"""Every outcome's card worked out ahead of time, so that `/outcome N` is answered from memory
(`commands.answer_cache`) even for outcomes nobody has asked about since the last change.

All the cards are worked out together, from the statuses of the whole road map in a few
queries, once the road map has been quiet for `QUIET_SECONDS` (while readings keep arriving,
the cards would be out of date before they were used), and again each new day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from commands.answer_cache import AnswerCache, answer_key
from commands.comparisons import comparisons_of
from commands.domain.comparators import latest_by_area
from commands.domain.status import local_today
from commands.outcomes.statuses import row_statuses, whole_roadmap
from commands.people.directory import names_for
from commands.presentation.cards import status_card
from storage.db import Database
from storage.repositories import RoadmapRepository

QUIET_SECONDS = 2.0
# Cards rendered between two turns of the event loop: requests are answered in between.
_CARDS_AT_ONCE = 50


async def warm(db: Database, answers: AnswerCache, today: date, tz: ZoneInfo) -> int:
    """Keep the card of every outcome for `today`, as `/outcome N` shows it; how many."""
    version = answers.version
    async with whole_roadmap(), db.reading() as session:
        found = await row_statuses(session, today)
        people = {r.submitted_by for s in found for r in (s.latest,) if r is not None}
        people |= {s.latest.approved_by for s in found if s.latest and s.latest.approved_by}
        names = await names_for(session, people)
        # England's (and other areas') figures, as `/outcome N` shows them beside the target.
        numbers = {row.id: row.number for row in await RoadmapRepository(session).outcome_rows()}
        figures = {numbers[oid]: f for oid, f in (await comparisons_of(session)).items()}
    for done, status in enumerate(found, start=1):
        beside = latest_by_area(figures.get(status.number, []), until=today)
        card = status_card(status, tz, names=names, comparators=beside)
        answers.keep(answer_key(str(status.number), today), version, card)
        if done % _CARDS_AT_ONCE == 0:
            await asyncio.sleep(0)
            if answers.version != version:
                return done
    return len(found)


async def keep_warm(
    db: Database, answers: AnswerCache, clock: Callable[[], datetime], tz: ZoneInfo
) -> None:
    """Warm the cards whenever the road map has been quiet for `QUIET_SECONDS` since they were
    last worked out, or the day has changed; for ever (cancel to stop)."""
    warmed: tuple[int, date] | None = None
    seen = answers.version
    while True:
        await asyncio.sleep(QUIET_SECONDS)
        version, today = answers.version, local_today(clock(), tz)
        quiet = version == seen
        seen = version
        if quiet and warmed != (version, today):
            await warm(db, answers, today, tz)
            warmed = (version, today)
