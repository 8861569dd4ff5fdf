"""A busy week's digest: it counts every reading received, correction and status change, and
shows the first of each (received in the order they came in, as they stand now; changes in
road-map order), saying how many more there are."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.slack import render
from commands.digest.weekly import build_digest
from commands.domain.calendar import Timetable
from commands.reminders.bank_holidays import england_and_wales
from storage.db import Database
from tests.scheduler.conftest import DIGEST, LONDON, at
from tests.scheduler.test_digest import load

HEADER = (
    "number,title,area,measure,unit,polarity,cadence,lag_days,baseline_period,"
    "baseline_value,milestones,tolerance,owner,source\n"
)
# Twenty outcomes heading from 50 to 60: a reading of 10 is off track, of 90 on track (each
# marked confirmed: far from the figure before, it would be questioned).
OUTCOMES = HEADER + "".join(
    f"{n},Outcome {n} title,Area {n % 3},Measure {n},%,higher_is_better,quarterly,30,2024-Q1,50,"
    f"2030-Q4:60,5%,{'children' if n % 2 else 'economy'},\n"
    for n in range(1, 21)
)
# The week runs from Mon 2 Mar 09:00 to Mon 9 Mar 09:00 (London, so UTC too).
READINGS = (
    "outcome,period,value,submitted_by,submitted_at,note,confirmed\n"
    # Before the week, every outcome off track.
    + "".join(f"{n},2025-Q3,10,U1,2026-01-10T09:00:00Z,,yes\n" for n in range(1, 21))
    # 17 first: on track at the week's end, corrected to 12 since (after the week).
    + "17,2025-Q4,90,U17,2026-03-02T10:00:00Z,,yes\n"
    + "17,2025-Q4,12,U17,2026-03-09T10:00:00Z,,yes\n"
    # 1 to 12 on track, but 3 corrected back to off track within the week; 13 and 14 stay off.
    + "".join(f"{n},2025-Q4,90,U{n},2026-03-03T09:{n:02d}:00Z,,yes\n" for n in range(1, 13))
    + "".join(f"{n},2025-Q4,12,U{n},2026-03-03T09:{n:02d}:00Z,,yes\n" for n in (13, 14))
    + "3,2025-Q4,11,U3,2026-03-05T09:00:00Z,,yes\n"
    # 15's reading from before the week corrected, to on track: a correction, not received.
    + "15,2025-Q3,95,U15,2026-03-04T09:00:00Z,,yes\n"
    # After the week: next week's digest has it.
    + "16,2025-Q4,90,U16,2026-03-09T10:00:00Z,,yes\n"
)


async def test_a_busy_week_is_counted_whole_and_shows_the_first_of_each_list(
    db: Database, tmp_path: Path
) -> None:
    await load(db, tmp_path / "map", OUTCOMES, READINGS)

    async with db.reading() as session:
        digest = await build_digest(
            session,
            at("2026-03-09T09:00"),
            date(2026, 3, 9),
            Timetable(LONDON, bank_holidays=england_and_wales),
            DIGEST,
        )
    sections = {
        b["text"]["text"].split("\n", 1)[0]: b["text"]["text"]
        for b in render.message(digest.reply)["blocks"]
        if b["type"] == "section" and "text" in b
    }
    received = sections["*Readings received (15)*"].splitlines()[1:]
    # In the order they came in, each as it stands now, against the figure before it.
    assert [line.split(",", 1)[0] for line in received[:8]] == [
        f"• Outcome {n}" for n in (17, 1, 2, 3, 4, 5, 6, 7)
    ]
    assert received[0].startswith("• Outcome 17, Measure 17: 2025-Q4 12%, improving (was 10%")
    assert received[3].startswith("• Outcome 3, Measure 3: 2025-Q4 11%, improving (was 10%")
    assert received[8] == "…and 7 more. `/outcome list` shows every outcome."
    assert digest.reply.fallback.endswith(". 15 readings received.")

    # 1 to 12 but 3, 15 and 17 (on track when the week ended): in road-map order.
    changes = sections["*Status changes*"].splitlines()[1:]
    assert changes[:8] == [
        f"• Outcome {n}, Outcome {n} title: off track → on track" for n in (1, 2, 4, 5, 6, 7, 8, 9)
    ]
    assert changes[8] == "…and 5 more. `/outcome list` shows every outcome."

    corrections = sections["*Corrections (2)*"].splitlines()[1:]
    assert corrections == [
        "• Outcome 15, 2025-Q3: 10% corrected to 95%, by U15",
        "• Outcome 3, 2025-Q4: 90% corrected to 11%, by U3",
    ]
