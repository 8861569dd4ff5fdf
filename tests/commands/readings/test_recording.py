"""Recording readings: what is stored, what is refused, and what stays in the history."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commands.context import get_outcome
from commands.conversations import Core
from commands.domain.periods import Cadence, parse_period
from commands.domain.rules import Status
from commands.domain.status import local_today, status_of
from commands.errors import UserError
from commands.events import Command
from commands.presentation.replies import Section
from commands.readings.parsing import parse_value, reading_period
from commands.readings.recording import Via, record_reading
from storage.db import Database
from storage.repositories import AuditRepository, ReadingRepository
from tests.factories import load_roadmap


@pytest.mark.parametrize(
    ("typed", "value"),
    [("23.4", 23.4), ("23.4%", 23.4), ("1,234", 1234.0), ("£1,200", 1200.0), (" 7 ", 7.0)],
)
def test_values_as_people_type_them(typed: str, value: float) -> None:
    assert parse_value(typed) == value


@pytest.mark.parametrize("typed", ["abc", "12,34", "1.2.3", "", "23.4 percent"])
def test_a_value_that_is_not_a_number_says_how_to_write_one(typed: str) -> None:
    with pytest.raises(UserError, match=r"like 23\.4"):
        parse_value(typed)


async def test_a_correction_supersedes_and_both_stay_in_history(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    period = parse_period("2024/25", Cadence.FINANCIAL_YEAR)
    async with db.transaction() as session:
        outcome = await get_outcome(session, 12)
        first = await record_reading(
            session, outcome=outcome, value=37.0, period=period, by="U0CHILDLEAD",
            via=Via.SLASH, now=now, tz=tz,
        )  # fmt: skip
    # 40 -> 30 over 730 days: 35 expected at 31 Mar 2025. 37 misses by 2 > 5% of 35 (1.75).
    assert first.status.status is Status.OFF_TRACK
    assert first.superseded is not None
    assert first.superseded.value == 36.0
    later = now + timedelta(hours=1)
    async with db.transaction() as session:
        outcome = await get_outcome(session, 12)
        second = await record_reading(
            session, outcome=outcome, value=36.5, period=period, by="U0ADMIN",
            via=Via.MODAL, now=later, tz=tz, note="corrected",
        )  # fmt: skip
    assert second.status.status is Status.AT_RISK  # misses by 1.5 <= 1.75
    assert "correcting 37%" in second.summary()
    async with db.reading() as session:
        history = await ReadingRepository(session).history(second.outcome.id)
        audit = await AuditRepository(session).for_subject("outcome:12:2024/25")
    assert [(r.value, r.is_current) for r in history] == [
        (36.0, False),
        (37.0, False),
        (36.5, True),
    ]
    changes = [
        (a.action, (a.before or {}).get("value"), (a.after or {}).get("value")) for a in audit
    ]
    assert changes[-2:] == [("reading.corrected", 36.0, 37.0), ("reading.corrected", 37.0, 36.5)]


async def test_the_same_message_is_recorded_once(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz, readings=None)
    period = parse_period("2025/26", Cadence.FINANCIAL_YEAR)
    for _ in range(3):
        async with db.transaction() as session:
            outcome = await get_outcome(session, 12)
            recorded = await record_reading(
                session, outcome=outcome, value=33.0, period=period, by="U0CHILDLEAD",
                via=Via.THREAD, now=now, tz=tz, source_key="msg:C0CHILDREN1:1700000000.000100",
            )  # fmt: skip
    assert recorded.duplicate
    async with db.reading() as session:
        assert len(await ReadingRepository(session).history(recorded.outcome.id)) == 1


async def test_the_status_a_reading_gives_is_the_one_read_back_after_it(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    """The status after a reading is worked out from the readings found before storing it; it
    must match the latest two read back afterwards, whichever of them the reading replaced."""
    await load_roadmap(db, tmp_path, now, tz)  # outcome 13: 2024-Q2 86, 2024-Q3 85.5
    hour = timedelta(hours=1)
    steps = [
        ("2024-Q4", 86.2, now, "a"),  # a new latest period
        ("2024-Q4", 86.4, now + hour, "b"),  # corrects the latest
        ("2024-Q2", 85.9, now + 2 * hour, "c"),  # corrects the third newest
        ("2024-Q3", 85.0, now + 3 * hour, "d"),  # corrects the previous
        ("2025-Q1", 87.0, now + 4 * hour, "e"),  # a new latest again
        ("2025-Q1", 99.0, now + 5 * hour, "e"),  # the same message again: nothing stored
        ("2025-Q1", 84.0, now - 400 * 24 * hour, None),  # an older entry, imported
    ]
    for label, value, at, key in steps:
        period = parse_period(label, Cadence.QUARTERLY)
        async with db.transaction() as session:
            outcome = await get_outcome(session, 13)
            recorded = await record_reading(
                session, outcome=outcome, value=value, period=period,
                by="U0CHILDLEAD", via=Via.IMPORT if key is None else Via.THREAD, now=at, tz=tz,
                submitted_at=at, source_key=key,
            )  # fmt: skip
        async with db.reading() as session:
            outcome = await get_outcome(session, 13)
            latest = await ReadingRepository(session).latest(outcome.id)
        assert recorded.status == status_of(outcome, latest, local_today(at, tz)), (label, value)
    assert [(r.period, r.value) for r in latest] == [("2025-Q1", 87.0), ("2024-Q4", 86.4)]


@pytest.mark.parametrize(
    ("number", "value", "says"),
    [
        (12, 123.0, "is not a percentage"),
        (12, -1.0, "is not a percentage"),
        (20, -5.0, "never negative"),
    ],
)
async def test_implausible_values_are_refused_and_nothing_is_stored(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo, number: int, value: float, says: str
) -> None:
    await load_roadmap(db, tmp_path, now, tz, readings=None)
    async with db.transaction() as session:
        outcome = await get_outcome(session, number)
        period = reading_period(outcome, None, now, tz)
        with pytest.raises(UserError, match=says):
            await record_reading(
                session, outcome=outcome, value=value, period=period, by="U0CHILDLEAD",
                via=Via.CLI, now=now, tz=tz,
            )  # fmt: skip
    async with db.reading() as session:
        assert await ReadingRepository(session).history(outcome.id) == []


async def test_the_period_defaults_to_the_due_period_and_never_the_future(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz, readings=None)
    async with db.reading() as session:
        quarterly = await get_outcome(session, 13)
        financial = await get_outcome(session, 12)
    # 26 Nov 2026: 2026-Q3 ended 30 Sep and is due 29 Nov (60 days), so 2026-Q2 is due.
    assert reading_period(quarterly, None, now, tz).label == "2026-Q2"
    # 2025/26 ended 31 Mar 2026 and was due on 27 Sep 2026 (180 days).
    assert reading_period(financial, None, now, tz).label == "2025/26"
    with pytest.raises(UserError, match=r"2026-Q4 has not ended yet .* like 2026-Q3"):
        reading_period(quarterly, "2026-Q4", now, tz)
    # The example is a period that has ended, however far ahead the one typed was.
    with pytest.raises(UserError, match=r"2027-Q1 has not ended yet .* like 2026-Q3\."):
        reading_period(quarterly, "2027-Q1", now, tz)
    with pytest.raises(UserError, match="quarterly periods are written like 2025-Q1"):
        reading_period(quarterly, "2026/27", now, tz)


async def test_an_unknown_outcome_names_the_valid_range(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    await load_roadmap(db, tmp_path, now, tz)
    async with db.reading() as session:
        with pytest.raises(UserError, match="no outcome 99: outcomes are numbered 12 to 20"):
            await get_outcome(session, 99)


async def test_a_period_in_a_year_with_no_dates_is_answered_with_what_to_type(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # `/outcome 12 submit 23 9999/00` ended in "something went wrong": 9999/00 ends in 10000.
    await load_roadmap(db, tmp_path, now, tz)
    core = Core(db, clock=lambda: now, tz=tz, admins=frozenset())
    for period in ("9999/00", "0000/01"):
        said = await core.command(
            Command("slack", "C0CHILDREN1", "U0CHILDLEAD", f"12 submit 23 {period}")
        )
        assert said.fallback == (
            f"'{period}' is not a period: financial_year periods are written like 2024/25 "
            "(1 April 2024 to 31 March 2025). Outcome 12 is reported every financial year, "
            "April to March (2024/25)."
        )
    async with db.reading() as session:
        assert [r.period for r in await ReadingRepository(session).history(1)] == ["2024/25"]


async def test_a_status_is_explained_in_figures_that_show_why_it_is_what_it_is(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # Outcome 13's path expects 85 + (89 - 85) x 548 / 730 = 88.0027% at the end of 2025-Q3
    # (548 days after 31 Mar 2024): 88% misses it, and said "88% against an expected 88%: it
    # misses by 0 percentage points, ... so at risk", and 87% "misses by 1 percentage point,
    # more than the tolerance of 1 percentage point, so off track".
    await load_roadmap(db, tmp_path, now, tz)
    core = Core(db, clock=lambda: now, tz=tz, admins=frozenset())

    async def say(text: str) -> str:
        return (await core.command(Command("slack", "C0CHILDREN1", "U0CHILDLEAD", text))).fallback

    assert (await say("13 submit 88 2025-Q3")).startswith(
        "88% for 2025-Q3 is at risk (the path expects 88.003%), so it needs a line"
    )
    at_risk = await say("13 submit 88 2025-Q3 More clinics")
    assert (
        "Status now: At risk. 2025-Q3 reading 88% against an expected 88.003% at the end of "
        "2025-Q3 (higher is better): it misses by 0.003 percentage points, within the tolerance "
        "of 1 percentage point, so at risk."
    ) in at_risk
    off_track = await say("13 submit 87 2025-Q3 More clinics")
    assert (
        "2025-Q3 reading 87% against an expected 88.003% at the end of 2025-Q3 (higher is "
        "better): it misses by 1.003 percentage points, more than the tolerance of 1 percentage "
        "point, so off track."
    ) in off_track
    card = await core.command(Command("slack", "C0CHILDREN1", "U0CHILDLEAD", "13"))
    facts = {f.label: f.value for b in card.blocks if isinstance(b, Section) for f in b.facts}
    assert facts["Expected"] == "88.003% for 2025-Q3"
    # Where two places show why, two places it stays.
    assert "2025-Q3 reading 86.5% against an expected 88% at the end of 2025-Q3" in await say(
        "13 submit 86.5 2025-Q3 More clinics"
    )


async def test_a_figure_whose_period_is_in_its_note_is_not_recorded_for_the_period_due(
    db: Database, tmp_path: Path, now: datetime, tz: ZoneInfo
) -> None:
    # "31 for 2024/25" was read as 31% for the period due, 2025/26, with the note "for
    # 2024/25": a figure recorded for a period its lead did not mean.
    await load_roadmap(db, tmp_path, now, tz)
    core = Core(db, clock=lambda: now, tz=tz, admins=frozenset())

    async def say(text: str) -> str:
        return (await core.command(Command("slack", "C0CHILDREN1", "U0CHILDLEAD", text))).fallback

    assert await say("12 submit 31 for 2024/25") == (
        "Is 31 for 2024/25? Write the period straight after the figure: `31 2024/25`, then any "
        "note. Nothing was recorded."
    )
    # A year that is no period it could be for is a note like any other.
    said = await say("12 submit 31 after 1200 families were housed in 2040/41")
    assert said.startswith(
        "Recorded outcome 12 (Children in relative low-income families), 2025/26: 31%."
    )
    async with db.reading() as session:
        assert [(r.period, r.value) for r in await ReadingRepository(session).history(1)] == [
            ("2024/25", 36.0),
            ("2025/26", 31.0),
        ]
