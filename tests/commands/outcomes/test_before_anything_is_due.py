"""An outcome with no reading, before its first reading is due: the card says when it will be,
and that its direction waits on two readings, in the words the report uses."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.domain.rules import Status
from commands.outcomes.statuses import outcome_status
from commands.presentation.cards import status_card
from commands.presentation.replies import Fact, Section
from storage.db import Database
from tests.factories import load_roadmap

NO_READINGS = "outcome,period,value,submitted_by,submitted_at,note\n"


async def test_the_card_says_which_period_comes_first_and_when_it_is_due(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz, readings=NO_READINGS)
    # Outcome 12 is reported by financial year, 180 days after it ends; its baseline is
    # 2023/24. On 1 June 2025, 2024/25 has ended but is not due until 27 September.
    async with db.reading() as session:
        status = await outcome_status(session, 12, date(2025, 6, 1))
    assert status.status is Status.NO_DATA
    card = status_card(status, tz)
    assert "No reading yet, and none is due: the first, for 2024/25, is due Sat 27 Sep 2025." in (
        card.fallback
    )
    facts = {
        fact.label: fact.value
        for block in card.blocks
        if isinstance(block, Section)
        for fact in block.facts
        if isinstance(fact, Fact)
    }
    assert facts["Due"] == "Nothing due yet: 2024/25 is due Sat 27 Sep 2025"
    assert facts["Direction"] == "Not known until there are two readings"
