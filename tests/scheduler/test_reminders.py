"""Reminders as groups receive them: which channel, when, with what words, and how many times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from commands.context import get_outcome
from commands.domain.calendar import Timetable
from commands.domain.periods import Cadence, parse_period
from commands.presentation.replies import Action, Button, Context, Section
from commands.readings.recording import Via, record_reading
from commands.reminders.bank_holidays import england_and_wales
from commands.roadmap_files.importing import import_roadmap
from storage.db import Database
from storage.repositories import ReminderRepository, RoadmapRepository
from tests.factories import GROUPS
from tests.scheduler.conftest import (
    CHILDREN,
    ECONOMY,
    LONDON,
    PROGRAMME,
    at,
    context,
    days,
    local_times,
    run,
)
from tests.scheduler.fakes import FakeMessenger

THREE_WEEKS = (date(2026, 3, 1), date(2026, 3, 20))


async def test_the_ladder_over_three_weeks(roadmap: Database, messenger: FakeMessenger) -> None:
    posted = await run(context(roadmap, messenger), days(*THREE_WEEKS))

    assert local_times(posted) == [
        # Outcome 20 has been overdue since September, past its escalation: on the first
        # working-hours pass the group hears once, a repeat (its leads are named), and the
        # programme channel is told. The first two rungs are passed over, never posted.
        ("Mon 02 Mar 09:00", ECONOMY, "reminder:economy:20:2024:4"),
        ("Mon 02 Mar 09:00", PROGRAMME, "escalation:economy:20:2024:3"),
        # Outcome 13's 2025-Q4 reading was due Sunday: Monday at 10:00, then a week apart.
        ("Mon 02 Mar 10:00", CHILDREN, "reminder:children:13:2025-Q4:1"),
        ("Mon 09 Mar 10:00", CHILDREN, "reminder:children:13:2025-Q4:2"),
        ("Mon 16 Mar 10:00", PROGRAMME, "escalation:children:13:2025-Q4:3"),
        # Outcome 20 again, 14 working days after the group last heard, until it arrives.
        ("Fri 20 Mar 10:00", ECONOMY, "reminder:economy:20:2024:5"),
    ]
    first, leads, escalation = (p for _, p in posted if p.key and ":13:" in p.key)
    assert first.mentions == ()
    assert "This reading is overdue. Please send it in." in first.words
    assert "MMR coverage: the 2025-Q4 reading was due Sun 1 Mar 2026, 1 day overdue." in first.words
    assert "Last reading: 2024-Q3, 85.5% (received Sun 1 Dec 2024)." in first.words
    assert first.reply.about == (13,)
    assert leads.mentions == ("U0CHILDLEAD", "U0CHILDLEA2")
    assert "has been overdue for 7 days or more" in leads.words
    assert "8 days overdue" in leads.words
    assert "Children's Trust Board has 1 reading overdue by 14 days or more" in escalation.words
    assert "Outcome 13: More children are vaccinated" in escalation.words
    [repeat, again] = (p for _, p in posted if p.key and ":20:" in p.key and "reminder" in p.key)
    assert repeat.mentions == again.mentions == ("U0ECONLEAD1",)
    assert (
        "The programme team has been told; waymark reminds you again every 14 working days "
        "until it arrives." in again.words
    )

    async with roadmap.reading() as session:
        rungs = await ReminderRepository(session).everything()
    assert {(r.period, r.level, r.state) for r in rungs} == {
        ("2024", 1, "superseded"),
        ("2024", 2, "superseded"),
        ("2024", 3, "posted"),
        ("2024", 4, "posted"),
        ("2024", 5, "posted"),
        ("2025-Q4", 1, "posted"),
        ("2025-Q4", 2, "posted"),
        ("2025-Q4", 3, "posted"),
    }


async def test_each_outcome_has_a_button_and_the_thread_instructions(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    await run(context(roadmap, messenger), [at("2026-03-02T10:00")])
    (children,) = [p for p in messenger.sent if p.channel_id == CHILDREN]
    sections = [b for b in children.reply.blocks if isinstance(b, Section) and b.button]
    assert [s.button for s in sections] == [Button("Submit reading", Action.SUBMIT_READING, "13")]
    (hint,) = [b for b in children.reply.blocks if isinstance(b, Context)]
    assert hint.items == (
        "Reply in this thread with the number, e.g. `23.4`, optionally followed by the period "
        "and a note. Or press Submit reading.",
    )


async def test_a_reading_that_arrives_stops_the_ladder(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    ctx = context(roadmap, messenger)
    await run(ctx, days(date(2026, 3, 2), date(2026, 3, 4)))
    async with roadmap.transaction() as session:
        outcome = await get_outcome(session, 13)
        await record_reading(
            session,
            outcome=outcome,
            value=88.1,
            period=parse_period("2025-Q4", Cadence.QUARTERLY),
            by="U0CHILDLEAD",
            via=Via.THREAD,
            now=at("2026-03-05T11:00"),
            tz=LONDON,
        )
    later = await run(ctx, days(date(2026, 3, 5), date(2026, 3, 20)))
    assert [p.key for p in messenger.sent if p.key and ":13:" in p.key] == [
        "reminder:children:13:2025-Q4:1"
    ]
    # Outcome 20's reading is still missing: it alone is reminded again.
    assert [p.key for _, p in later] == ["reminder:economy:20:2024:5"]


async def test_paused_outcomes_get_nothing_and_snoozed_ones_resume_at_the_level_reached(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    async with roadmap.transaction() as session:
        roadmap_repo = RoadmapRepository(session)
        economy = await roadmap_repo.outcome(20)
        children = await roadmap_repo.outcome(13)
        assert economy is not None
        assert children is not None
        economy.paused_reason = "The survey was discontinued"
        children.snoozed_until = date(2026, 3, 11)

    posted = await run(context(roadmap, messenger), days(*THREE_WEEKS))

    # Snoozed until Wednesday 11 March inclusive: on Thursday the reading is 11 days overdue,
    # past the second rung, so the leads hear once; the first rung is passed over for good.
    assert local_times(posted) == [
        ("Thu 12 Mar 09:00", CHILDREN, "reminder:children:13:2025-Q4:2"),
        ("Mon 16 Mar 10:00", PROGRAMME, "escalation:children:13:2025-Q4:3"),
    ]


async def test_no_escalation_is_lost_while_there_is_no_programme_channel(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    await run(context(roadmap, messenger, programme=None), [at("2026-03-02T09:00")])
    assert messenger.channels.keys() == ["reminder:economy:20:2024:4"]
    # Once the channel is set, the escalation owed goes out at the next pass.
    await run(context(roadmap, messenger), [at("2026-03-02T11:00")])
    assert messenger.channels.keys()[1:] == [
        "reminder:children:13:2025-Q4:1",
        "escalation:economy:20:2024:3",
    ]


async def test_two_overdue_outcomes_of_a_group_come_in_one_message(
    db: Database, tmp_path: Path, messenger: FakeMessenger
) -> None:
    outcomes = (
        "number,title,area,measure,unit,polarity,cadence,lag_days,baseline_period,"
        "baseline_value,milestones,tolerance,owner,source\n"
        "31,Cleaner air,Healthy town,NO2 concentration,µg/m³,lower_is_better,monthly,30,"
        "2026-01,40,2030-12:30,5%,children,\n"
        "32,Fewer smokers,Healthy town,Adults who smoke,%,lower_is_better,monthly,30,"
        "2026-01,14,2030-12:10,5%,children,\n"
    )
    await _load(db, tmp_path, outcomes)
    # 2026-02 ends 28 Feb, due 30 days later on Mon 30 Mar: overdue from Tuesday 31 March.
    posted = await run(context(db, messenger), days(date(2026, 3, 30), date(2026, 3, 31)))
    assert local_times(posted) == [
        ("Tue 31 Mar 10:00", CHILDREN, "reminder:children:31:2026-02:1"),
    ]
    message = posted[0][1]
    assert message.reply.about == (31, 32)
    assert "These 2 readings are overdue. Please send them in." in message.words
    assert "e.g. `31: 23.4`" in message.reply.blocks[-1].items[0]  # type: ignore[union-attr]


async def test_reminders_wait_over_the_easter_weekend(
    db: Database, tmp_path: Path, messenger: FakeMessenger
) -> None:
    # February 2026 ends Sat 28 Feb; 33 days later is Thu 2 Apr, the day before Good Friday.
    await _load(db, tmp_path, _monthly(lag=33, baseline="2026-01"))
    posted = await run(context(db, messenger), days(date(2026, 4, 2), date(2026, 4, 8)))
    # Good Friday, the weekend and Easter Monday pass in silence: Tuesday at 10:00.
    assert local_times(posted) == [("Tue 07 Apr 10:00", CHILDREN, "reminder:children:40:2026-02:1")]


@pytest.mark.parametrize(
    ("baseline", "lag", "first", "last", "expected_utc"),
    [
        # 2026-02 due Sun 29 Mar 2026, the spring clock change: Mon 10:00 BST = 09:00 UTC.
        ("2026-01", 29, date(2026, 3, 28), date(2026, 3, 31), "2026-03-30T09:00"),
        # 2026-09 due Sun 25 Oct 2026, the autumn change: Mon 10:00 GMT = 10:00 UTC.
        ("2026-08", 25, date(2026, 10, 24), date(2026, 10, 27), "2026-10-26T10:00"),
        # 2027-02 due Sun 28 Mar 2027; Monday is Easter Monday: Tue 10:00 BST = 09:00 UTC.
        ("2027-01", 28, date(2027, 3, 27), date(2027, 3, 31), "2027-03-30T09:00"),
        # 2027-09 due Sun 31 Oct 2027, the autumn change: Mon 10:00 GMT = 10:00 UTC.
        ("2027-08", 31, date(2027, 10, 30), date(2027, 11, 2), "2027-11-01T10:00"),
    ],
)
async def test_reminders_keep_to_ten_oclock_local_across_the_clock_changes(
    db: Database,
    tmp_path: Path,
    messenger: FakeMessenger,
    baseline: str,
    lag: int,
    first: date,
    last: date,
    expected_utc: str,
) -> None:
    await _load(db, tmp_path, _monthly(lag=lag, baseline=baseline))
    # Every 30 minutes of UTC time, so both 09:00 and 10:00 UTC are tried each day.
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    moments = [start + timedelta(minutes=30 * i) for i in range(((last - first).days + 1) * 48)]
    posted = await run(context(db, messenger), moments)
    assert [(t, p.channel_id) for t, p in posted] == [
        (datetime.fromisoformat(expected_utc).replace(tzinfo=UTC), CHILDREN)
    ]


async def test_a_heads_up_before_the_due_date_when_configured(
    roadmap: Database, messenger: FakeMessenger
) -> None:
    early = Timetable(LONDON, bank_holidays=england_and_wales, heads_up_days=3)
    posted = await run(
        context(roadmap, messenger, timetable=early),
        days(date(2026, 2, 25), date(2026, 2, 27), hours=(10, 14)),
    )
    heads_up = [(t, p) for t, p in posted if p.key and "2025-Q4" in p.key]
    # 2025-Q4 is due Sun 1 Mar; three days before is Thursday 26 February.
    assert local_times(heads_up) == [
        ("Thu 26 Feb 10:00", CHILDREN, "reminder:children:13:2025-Q4:0")
    ]
    message = heads_up[0][1]
    assert message.reply.fallback.startswith("Children's Trust Board: 1 reading due soon")
    assert "1 reading is due in the next 3 days." in message.words
    assert "the 2025-Q4 reading is due Sun 1 Mar 2026 (in 3 days)." in message.words


def _monthly(*, lag: int, baseline: str) -> str:
    return (
        "number,title,area,measure,unit,polarity,cadence,lag_days,baseline_period,"
        "baseline_value,milestones,tolerance,owner,source\n"
        f"40,Fewer empty homes,Housing,Long-term empty homes,count,lower_is_better,monthly,{lag},"
        f"{baseline},900,2030-12:500,5%,children,\n"
    )


def _write(directory: Path, outcomes: str) -> Path:
    directory.mkdir()
    (directory / "groups.csv").write_text(GROUPS)
    (directory / "outcomes.csv").write_text(outcomes)
    return directory


async def _load(db: Database, tmp_path: Path, outcomes: str) -> None:
    directory = _write(tmp_path / "map", outcomes)
    async with db.transaction() as session:
        await import_roadmap(
            session, directory, actor="tests", now=datetime(2026, 1, 1, tzinfo=UTC), tz=LONDON
        )
