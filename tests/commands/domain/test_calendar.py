"""When reminders and the digest go out, in London wall time, checked by hand.

The UK clocks change at 01:00 UTC: on 29 Mar 2026 and 28 Mar 2027 they go forward (GMT → BST,
London = UTC+1 afterwards); on 25 Oct 2026 and 31 Oct 2027 they go back (London = UTC again).
Bank holidays used below: Good Friday 3 Apr 2026, Easter Monday 6 Apr 2026, Christmas 25 Dec
2026 (Fri), Boxing Day observed 28 Dec 2026 (Mon), Good Friday 26 Mar 2027, Easter Monday 29 Mar
2027, and 27-28 Dec 2027 (Christmas and Boxing Day observed).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.domain.calendar import (
    CalendarError,
    DueReminder,
    Heard,
    Level,
    Timetable,
    WorkingHours,
    choose_reminders,
    digest_instant,
    digest_week_due,
    is_working_day,
    ladder,
    local_instant,
    may_remind,
    next_reminder_moment,
    parse_working_hours,
    reminders_due,
    weeks_between,
)
from commands.domain.periods import Cadence, Period, parse_period
from commands.reminders.bank_holidays import england_and_wales

LONDON = ZoneInfo("Europe/London")
TT = Timetable(LONDON, bank_holidays=england_and_wales)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 2), True),  # Monday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 4, 2), True),  # Thursday before Easter
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2026, 5, 4), False),  # Early May bank holiday
        (date(2026, 8, 31), False),  # Summer bank holiday (England, not Scotland)
        (date(2026, 12, 25), False),
        (date(2026, 12, 28), False),  # Boxing Day falls on a Saturday: observed Monday 28th
        (date(2026, 12, 29), True),
        (date(2027, 3, 29), False),  # Easter Monday 2027, the day after the clocks go forward
        (date(2027, 12, 27), False),
        (date(2027, 12, 28), False),
        (date(2027, 12, 29), True),
    ],
)
def test_working_days_skip_weekends_and_english_bank_holidays(day: date, working: bool) -> None:
    assert is_working_day(day, england_and_wales) is working


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("09:00-17:30", WorkingHours(time(9), time(17, 30))),
        ("8:30 - 18:00", WorkingHours(time(8, 30), time(18))),
    ],
)
def test_working_hours_as_people_write_them(text: str, hours: WorkingHours) -> None:
    assert parse_working_hours(text) == hours


@pytest.mark.parametrize("text", ["9-5", "17:30-09:00", "09:00-25:00", "all day"])
def test_working_hours_that_make_no_sense_say_how_to_write_them(text: str) -> None:
    with pytest.raises(CalendarError, match="like 09:00-17:30"):
        parse_working_hours(text)


@pytest.mark.parametrize(
    ("day", "at", "expected_utc"),
    [
        (date(2026, 3, 28), time(10), "2026-03-28T10:00"),  # GMT
        (date(2026, 3, 29), time(10), "2026-03-29T09:00"),  # BST from 01:00 UTC
        (date(2026, 3, 29), time(1, 30), "2026-03-29T01:30"),  # never shown: 02:30 BST
        (date(2026, 10, 25), time(1, 30), "2026-10-25T00:30"),  # shown twice: the first
        (date(2026, 10, 25), time(10), "2026-10-25T10:00"),  # GMT again
        (date(2027, 3, 28), time(10), "2027-03-28T09:00"),
        (date(2027, 10, 31), time(10), "2027-10-31T10:00"),
    ],
)
def test_local_times_become_the_right_instant_across_clock_changes(
    day: date, at: time, expected_utc: str
) -> None:
    assert local_instant(day, at, LONDON) == utc(expected_utc)


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (local("2026-03-02T08:59"), False),
        (local("2026-03-02T09:00"), True),
        (local("2026-03-02T17:29"), True),
        (local("2026-03-02T17:30"), False),
        (local("2026-03-07T12:00"), False),  # Saturday
        (local("2026-04-03T12:00"), False),  # Good Friday
        # The Monday after the clocks go forward: 09:00 BST is 08:00 UTC.
        (utc("2026-03-30T07:59"), False),
        (utc("2026-03-30T08:00"), True),
        # The Monday after they go back: 09:00 GMT is 09:00 UTC.
        (utc("2026-10-26T08:59"), False),
        (utc("2026-10-26T09:00"), True),
    ],
)
def test_reminders_only_on_working_days_in_working_hours(now: datetime, allowed: bool) -> None:
    assert may_remind(now, TT) is allowed


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local("2026-03-02T11:00"), local("2026-03-02T11:00")),  # within hours: now
        (local("2026-03-02T07:00"), local("2026-03-02T09:00")),  # later that morning
        (local("2026-03-06T17:45"), local("2026-03-09T09:00")),  # Friday evening → Monday
        (local("2026-04-02T18:00"), local("2026-04-07T09:00")),  # over the Easter weekend
        (local("2026-03-27T18:00"), utc("2026-03-30T08:00")),  # into BST
    ],
)
def test_a_retried_reminder_waits_for_the_next_working_hours(
    at: datetime, expected: datetime
) -> None:
    assert next_reminder_moment(at, TT) == expected


@pytest.mark.parametrize(
    ("due_on", "due", "leads", "programme"),
    [
        # Due Sun 1 Mar: overdue from Mon 2 Mar; +7 and +14 days are Mondays too.
        (date(2026, 3, 1), "2026-03-02T10:00", "2026-03-09T10:00", "2026-03-16T10:00"),
        # Due Thu 2 Apr: overdue from Good Friday, so the first reminder waits for Tuesday
        # (Easter Monday is a holiday); +7 is Fri 10 Apr, +14 is Fri 17 Apr.
        (date(2026, 4, 2), "2026-04-07T10:00", "2026-04-10T10:00", "2026-04-17T10:00"),
        # Due Sat 28 Mar, the eve of the clock change: Sunday → Monday 30 Mar, in BST.
        (date(2026, 3, 28), "2026-03-30T10:00", "2026-04-07T10:00", "2026-04-13T10:00"),
        # Due Sun 25 Oct 2026 (clocks go back that night): Monday 26 Oct, in GMT.
        (date(2026, 10, 25), "2026-10-26T10:00", "2026-11-02T10:00", "2026-11-09T10:00"),
        # Due Sun 28 Mar 2027 (clocks go forward): Monday 29 Mar is Easter Monday → Tuesday.
        (date(2027, 3, 28), "2027-03-30T10:00", "2027-04-05T10:00", "2027-04-12T10:00"),
        # Due Sun 31 Oct 2027 (clocks go back): Monday 1 Nov.
        (date(2027, 10, 31), "2027-11-01T10:00", "2027-11-08T10:00", "2027-11-15T10:00"),
    ],
)
def test_the_ladder_in_local_time_on_working_days(
    due_on: date, due: str, leads: str, programme: str
) -> None:
    assert ladder(due_on, TT) == (
        (Level.DUE, local(due)),
        (Level.OVERDUE, local(leads)),
        (Level.ESCALATED, local(programme)),
    )


def test_the_ladder_after_the_spring_clock_change_is_at_ten_british_summer_time() -> None:
    # Written out in UTC once, so nobody has to trust `local()` for this one.
    assert ladder(date(2026, 3, 28), TT)[0] == (Level.DUE, utc("2026-03-30T09:00"))
    assert ladder(date(2026, 10, 25), TT)[0] == (Level.DUE, utc("2026-10-26T10:00"))


# Outcome 13's shape: quarterly, due 60 days after the quarter ends. 2025-Q4 ends Wed 31 Dec
# 2025 and is due Sun 1 Mar 2026, so it is overdue from Monday 2 March.
Q = Cadence.QUARTERLY
FIRST = parse_period("2025-Q4", Q)
Q4 = FIRST


@pytest.mark.parametrize(
    ("now", "reported", "levels"),
    [
        (local("2026-03-02T09:59"), [], []),
        (local("2026-03-02T10:00"), [], [Level.DUE]),
        (local("2026-03-07T12:00"), [], []),  # Saturday: nothing goes out
        (local("2026-03-09T10:00"), [], [Level.DUE, Level.OVERDUE]),
        (local("2026-03-16T10:00"), [], [Level.DUE, Level.OVERDUE, Level.ESCALATED]),
        (local("2026-03-16T17:45"), [], []),  # after working hours
        (local("2026-03-16T10:00"), [Q4], []),  # the reading came in: the ladder stops
        # Downtime: the first pass back is Tuesday afternoon; every rung reached is listed.
        (local("2026-03-17T14:00"), [], [Level.DUE, Level.OVERDUE, Level.ESCALATED]),
    ],
)
def test_rungs_reached_for_an_overdue_quarter(
    now: datetime, reported: list[Period], levels: list[Level]
) -> None:
    found = reminders_due(FIRST, 60, reported, now, TT)
    assert [r.level for r in found] == levels
    assert all(r.period == Q4 and r.due_on == date(2026, 3, 1) for r in found)


@pytest.mark.parametrize(
    ("now", "heard", "repeat"),
    [
        # Escalated Mon 16 Mar. Fourteen working days on, past Good Friday and Easter Monday,
        # is Tue 7 April: the first repeat goes out then, at ten.
        (local("2026-04-02T10:00"), None, None),
        (local("2026-04-07T09:59"), None, None),
        (local("2026-04-07T10:00"), None, (1, local("2026-04-07T10:00"))),
        # Once the group has heard it, the next is fourteen working days after that.
        (local("2026-04-24T10:00"), Heard(local("2026-04-07T10:00"), 1), None),
        (
            local("2026-04-27T10:00"),
            Heard(local("2026-04-07T10:00"), 1),
            (2, local("2026-04-27T10:00")),
        ),
        # Back after weeks of downtime: one repeat now, the next a fortnight of working days on.
        (
            local("2026-05-20T10:00"),
            Heard(local("2026-03-09T10:00"), 0),
            (1, local("2026-04-07T10:00")),
        ),
    ],
)
def test_after_the_escalation_the_group_is_reminded_every_fourteen_working_days(
    now: datetime, heard: Heard | None, repeat: tuple[int, datetime] | None
) -> None:
    found = [
        r
        for r in reminders_due(FIRST, 60, [], now, TT, {"2025-Q4": heard} if heard else None)
        if r.repeat
    ]
    assert [(r.repeat, r.since) for r in found] == ([repeat] if repeat else [])
    assert all(r.rung_level == 3 + r.repeat for r in found)


def test_no_repeats_when_they_are_turned_off() -> None:
    off = Timetable(LONDON, repeat_days=0, bank_holidays=england_and_wales)
    assert [r.level for r in reminders_due(FIRST, 60, [], local("2026-05-20T10:00"), off)] == [
        Level.DUE,
        Level.OVERDUE,
        Level.ESCALATED,
    ]


@pytest.mark.parametrize(
    ("first", "cadence", "lag", "now", "period", "due_on"),
    [
        # 2024/25 (academic) ends Sun 31 Aug 2025; 200 days on is Thu 19 Mar 2026, so the
        # reminder goes out on Friday 20 March.
        ("2024/25", Cadence.ACADEMIC_YEAR, 200, "2026-03-20T10:00", "2024/25", date(2026, 3, 19)),
        # 2022-24 (pooled) ends Tue 31 Dec 2024; 420 days on is Tue 24 Feb 2026, so the
        # reminder goes out on Wednesday 25 February.
        ("2022-24", Cadence.POOLED_3Y, 420, "2026-02-25T10:00", "2022-24", date(2026, 2, 24)),
        # A year later the next pooled period, 2023-25, is the one overdue.
        ("2022-24", Cadence.POOLED_3Y, 420, "2027-02-25T10:00", "2023-25", date(2027, 2, 24)),
    ],
)
def test_reminders_for_academic_years_and_pooled_periods(
    first: str, cadence: Cadence, lag: int, now: str, period: str, due_on: date
) -> None:
    (reminder,) = reminders_due(parse_period(first, cadence), lag, [], local(now), TT)
    assert (reminder.level, reminder.period.label, reminder.due_on) == (Level.DUE, period, due_on)


def test_a_heads_up_goes_out_days_before_the_due_date_when_asked_for() -> None:
    early = Timetable(LONDON, bank_holidays=england_and_wales, heads_up_days=3)
    # 2025-Q4 is due Sun 1 Mar; three days before is Thu 26 Feb, at 10:00.
    assert reminders_due(FIRST, 60, [], local("2026-02-26T09:59"), early) == ()
    (heads_up,) = reminders_due(FIRST, 60, [], local("2026-02-26T10:00"), early)
    assert (heads_up.level, heads_up.period, heads_up.due_on) == (
        Level.HEADS_UP,
        Q4,
        date(2026, 3, 1),
    )
    # Off by default.
    assert reminders_due(FIRST, 60, [], local("2026-02-27T10:00"), TT) == ()


def rung(level: Level, label: str = "2025-Q4") -> DueReminder:
    return DueReminder(parse_period(label, Q), level, date(2026, 3, 1), local("2026-03-02T10:00"))


# D: the group, L: its leads, P: the programme channel, H: a heads-up.
D, L, P, H = Level.DUE, Level.OVERDUE, Level.ESCALATED, Level.HEADS_UP


@pytest.mark.parametrize(
    ("reached", "done", "post", "supersede"),
    [
        ([D], [], [D], []),
        ([D, L], [D], [L], []),
        # Back after a week away: the group gets one reminder, at the higher level.
        ([D, L], [], [L], [D]),
        ([D, L, P], [], [L, P], [D]),
        ([D, L, P], [D, L], [P], []),
        ([D, L, P], [D, L, P], [], []),
        ([D], [L], [], []),  # a higher rung went out already: never step back down
        ([H], [], [H], []),
    ],
)
def test_choosing_what_to_post_from_the_rungs_reached(
    reached: list[Level], done: list[Level], post: list[Level], supersede: list[Level]
) -> None:
    choice = choose_reminders([rung(level) for level in reached], {("2025-Q4", d) for d in done})
    assert [r.level for r in choice.post] == post
    assert [r.level for r in choice.supersede] == supersede


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (local("2026-03-02T08:59:59"), date(2026, 2, 23)),
        (local("2026-03-02T09:00"), date(2026, 3, 2)),
        (local("2026-03-08T23:59"), date(2026, 3, 2)),  # Sunday night: still last Monday's
        # Spring 2026: Monday 30 Mar 09:00 BST is 08:00 UTC.
        (utc("2026-03-30T07:59:59"), date(2026, 3, 23)),
        (utc("2026-03-30T08:00"), date(2026, 3, 30)),
        # Autumn 2026: Monday 26 Oct 09:00 GMT is 09:00 UTC.
        (utc("2026-10-26T08:59:59"), date(2026, 10, 19)),
        (utc("2026-10-26T09:00"), date(2026, 10, 26)),
        # Spring 2027 (the digest still goes out on Easter Monday, 29 Mar).
        (utc("2027-03-29T07:59:59"), date(2027, 3, 22)),
        (utc("2027-03-29T08:00"), date(2027, 3, 29)),
        # Autumn 2027.
        (utc("2027-11-01T08:59:59"), date(2027, 10, 25)),
        (utc("2027-11-01T09:00"), date(2027, 11, 1)),
        # Across the new year; 28 Dec 2026 starts ISO week 53.
        (local("2027-01-01T12:00"), date(2026, 12, 28)),
        (local("2027-01-04T09:00"), date(2027, 1, 4)),
    ],
)
def test_the_digest_week_due_turns_over_at_nine_on_monday_local_time(
    now: datetime, week: date
) -> None:
    assert digest_week_due(now, TT) == week


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - Hypothesis bounds are naive
        max_value=datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_the_digest_week_never_goes_back_and_is_always_the_latest_monday_passed(
    now: datetime, later: timedelta
) -> None:
    week = digest_week_due(now, TT)
    assert week.weekday() == 0
    assert digest_instant(week, TT) <= now < digest_instant(week + timedelta(days=7), TT)
    assert digest_week_due(now + later, TT) >= week


def test_missed_weeks_between_two_digests() -> None:
    assert weeks_between(date(2026, 2, 9), date(2026, 3, 2)) == [
        date(2026, 2, 16),
        date(2026, 2, 23),
    ]
    assert weeks_between(date(2026, 2, 23), date(2026, 3, 2)) == []


def test_a_timetable_with_a_falling_ladder_is_refused() -> None:
    with pytest.raises(CalendarError, match="rising order"):
        Timetable(LONDON, bank_holidays=england_and_wales, escalation_days=(7, 0, 14))
