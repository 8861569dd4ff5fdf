"""When reminders and the digest go out: working days, local instants, and the reminder ladder.

Everything is computed in local wall time (`Timetable.tz`, Europe/London by default) and turned
into an aware UTC instant at the end, so a clock change moves nothing: 10:00 is 10:00 in GMT and
in BST. Each rule takes `now` as a parameter. Bank holidays arrive as data: the timetable holds a
function from a year to its bank holidays (`commands.reminders.bank_holidays` gives England and
Wales'), so that this module needs nothing outside the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import IntEnum

from commands.domain.periods import Period
from commands.domain.rules import due_date, due_period, is_overdue

MONDAY = 0

# The bank holidays of a year, as dates.
BankHolidays = Callable[[int], Collection[date]]


class CalendarError(ValueError):
    """A schedule setting could not be understood; the message says what to write."""


@dataclass(frozen=True)
class WorkingHours:
    """The part of a working day when reminders may arrive: from `start`, up to `end`."""

    start: time
    end: time

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, time) and self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_working_hours(text: str) -> WorkingHours:
    """`09:00-17:30` as people write opening hours."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    hours = None
    if match is not None:
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
            hours = WorkingHours(time(h1, m1), time(h2, m2))
    if hours is None or hours.start >= hours.end:
        raise CalendarError(
            f"'{text}' is not a span of working hours: write the start and end like 09:00-17:30."
        )
    return hours


class Level(IntEnum):
    """How pressing a reminder is. Each (outcome, period, level) is posted at most once."""

    HEADS_UP = 0  # a reading will be due soon (off unless heads-up days are set)
    DUE = 1  # the reading has just become overdue: a reminder to the group
    OVERDUE = 2  # still overdue after the second step: the group's leads are mentioned
    ESCALATED = 3  # still overdue after the third step: the programme channel is told


GROUP_LEVELS = (Level.DUE, Level.OVERDUE)
# Repeat n after the escalation is recorded as level ESCALATED + n: once per (outcome, period,
# repeat), by the same unique key as the rungs of the ladder.
REPEAT_BASE = int(Level.ESCALATED)


@dataclass(frozen=True)
class Timetable:
    """The schedule settings, in local time."""

    tz: tzinfo
    reminder_time: time = time(10, 0)
    digest_time: time = time(9, 0)
    working_hours: WorkingHours = WorkingHours(time(9, 0), time(17, 30))
    escalation_days: tuple[int, int, int] = (0, 7, 14)
    heads_up_days: int = 0
    # An action in a delivery plan with no update for this many days is asked for one.
    action_stale_days: int = 42
    # After the escalation, the group is reminded again every this many working days until
    # the reading arrives (0: never).
    repeat_days: int = 14
    # Required, so that no timetable forgets them: reminders never arrive on a bank holiday.
    bank_holidays: BankHolidays = field(kw_only=True)

    def __post_init__(self) -> None:
        days = self.escalation_days
        if len(days) != 3 or list(days) != sorted(days) or days[0] < 0:
            raise CalendarError("escalation days are three counts in rising order, like 0 7 14.")
        if self.heads_up_days < 0:
            raise CalendarError("heads-up days cannot be negative; 0 turns heads-ups off.")
        if self.action_stale_days < 1:
            raise CalendarError("an action goes quiet after at least a day without an update.")
        if self.repeat_days < 0:
            raise CalendarError("repeat days cannot be negative; 0 turns repeats off.")

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.tz)

    def today(self, now: datetime) -> date:
        return self.local(now).date()


def is_working_day(day: date, bank_holidays: BankHolidays) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def next_working_day(day: date, bank_holidays: BankHolidays) -> date:
    """`day` itself if it is a working day, otherwise the first one after it."""
    while not is_working_day(day, bank_holidays):
        day += timedelta(days=1)
    return day


def working_days_after(day: date, count: int, bank_holidays: BankHolidays) -> date:
    """The working day `count` working days after `day` (weekends and bank holidays skipped)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, bank_holidays):
            count -= 1
    return day


def local_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of a wall-clock time on a local date.

    A time skipped when the clocks go forward is moved forward by the gap (01:30 becomes 02:30
    BST); a time repeated when they go back is its first occurrence. Both follow from fold=0.
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def may_remind(now: datetime, timetable: Timetable) -> bool:
    """Reminders go out on working days, within working hours, and at no other time."""
    local = timetable.local(now)
    return (
        is_working_day(local.date(), timetable.bank_holidays)
        and local.time() in timetable.working_hours
    )


def next_reminder_moment(at: datetime, timetable: Timetable) -> datetime:
    """`at` if a reminder may go out then, otherwise the start of the next working hours."""
    if may_remind(at, timetable):
        return at
    local = timetable.local(at)
    day = local.date()
    if not (
        is_working_day(day, timetable.bank_holidays)
        and local.time() < timetable.working_hours.start
    ):
        day = next_working_day(day + timedelta(days=1), timetable.bank_holidays)
    return local_instant(day, timetable.working_hours.start, timetable.tz)


def reminder_instant(day: date, timetable: Timetable) -> datetime:
    """When a reminder meant for `day` goes out: the reminder time on `day`, or on the next
    working day when `day` is a weekend or a bank holiday."""
    return local_instant(
        next_working_day(day, timetable.bank_holidays), timetable.reminder_time, timetable.tz
    )


@dataclass(frozen=True)
class DueReminder:
    """A rung of the ladder that has been reached: this level is owed for this period."""

    period: Period
    level: Level
    due_on: date  # the period's due date
    since: datetime  # when it could first go out
    repeat: int = 0  # after the escalation: the nth reminder again (level is ESCALATED)

    @property
    def rung_level(self) -> int:
        """The level recorded for it: a repeat counts on from the escalation."""
        return REPEAT_BASE + self.repeat if self.repeat else int(self.level)


def ladder(due_on: date, timetable: Timetable) -> tuple[tuple[Level, datetime], ...]:
    """When each level goes out for a reading due on `due_on`: it is overdue from the day after,
    and each step counts its escalation days from there, moved on to a working day."""
    first_overdue = due_on + timedelta(days=1)
    return tuple(
        (level, reminder_instant(first_overdue + timedelta(days=days), timetable))
        for level, days in zip(
            (Level.DUE, Level.OVERDUE, Level.ESCALATED), timetable.escalation_days, strict=True
        )
    )


def heads_up_instant(due_on: date, timetable: Timetable) -> datetime | None:
    if not timetable.heads_up_days:
        return None
    return reminder_instant(due_on - timedelta(days=timetable.heads_up_days), timetable)


def reminders_due(
    first: Period,
    lag_days: int,
    reported: Sequence[Period],
    now: datetime,
    timetable: Timetable,
    heard: Mapping[str, Heard] | None = None,
) -> tuple[DueReminder, ...]:
    """Every rung reached at `now` for one outcome (already-posted ones included: the caller
    knows what was posted), and after the escalation the next repeat, once it is owed given
    when the group last `heard` about the due period (`heard` by period label). None outside
    working hours or off working days: they wait.

    `first` is the first reportable period, `reported` the periods with a reading. Only the due
    period climbs the ladder; a reading for it or a later period stops it.
    """
    if not may_remind(now, timetable):
        return ()
    today = timetable.today(now)
    found: list[DueReminder] = []
    due = due_period(first, lag_days, today)
    if due is not None and is_overdue(due, reported):
        due_on = due_date(due, lag_days)
        steps = ladder(due_on, timetable)
        found += [DueReminder(due, level, due_on, at) for level, at in steps if at <= now]
        repeat = repeat_due(steps[-1][1], (heard or {}).get(due.label), now, timetable)
        if repeat is not None:
            found.append(DueReminder(due, Level.ESCALATED, due_on, repeat[1], repeat=repeat[0]))
    upcoming = due.next() if due is not None else first
    upcoming_due = due_date(upcoming, lag_days)
    heads_up = heads_up_instant(upcoming_due, timetable)
    received = any(p >= upcoming for p in reported)
    if heads_up is not None and heads_up <= now and today <= upcoming_due and not received:
        found.append(DueReminder(upcoming, Level.HEADS_UP, upcoming_due, heads_up))
    return tuple(found)


@dataclass(frozen=True)
class Heard:
    """When an outcome's group was last reminded about a period, and the repeats it has had."""

    at: datetime
    repeats: int = 0


def repeat_due(
    escalated: datetime, heard: Heard | None, now: datetime, timetable: Timetable
) -> tuple[int, datetime] | None:
    """The next repeat after an escalation that went out at `escalated`, and when it could
    first go out, if that is by `now`: `repeat_days` working days after the group last heard
    (or after the escalation, if that is later). Counting from what was posted, not from a
    fixed calendar, means a catch-up after downtime is not followed by another the next day."""
    if not timetable.repeat_days or escalated > now:
        return None
    since = max(escalated, heard.at) if heard else escalated
    day = working_days_after(
        timetable.local(since).date(), timetable.repeat_days, timetable.bank_holidays
    )
    at = reminder_instant(day, timetable)
    if at > now:
        return None
    return (heard.repeats if heard else 0) + 1, at


@dataclass(frozen=True)
class ReminderChoice:
    """What to post now, and which lower rungs to record as passed over, never to be posted."""

    post: tuple[DueReminder, ...]
    supersede: tuple[DueReminder, ...]


def choose_reminders(
    due: Sequence[DueReminder], posted: Collection[tuple[str, int]]
) -> ReminderChoice:
    """From the rungs reached, the ones to post given those already posted or passed over
    (`posted` holds (period label, recorded level)).

    After downtime, a snooze or a first start, several rungs may be reached at once. The group
    gets one reminder, at the highest level reached (a repeat, once the escalation is past),
    and the lower ones are passed over; the programme channel is told as well when the last
    rung is reached.
    """
    post: list[DueReminder] = []
    supersede: list[DueReminder] = []
    by_period: dict[str, list[DueReminder]] = {}
    for rung in due:
        by_period.setdefault(rung.period.label, []).append(rung)
    for label, rungs in by_period.items():
        done = {level for period, level in posted if period == label}
        group = [r for r in rungs if r.level in GROUP_LEVELS]
        repeats = [r for r in rungs if r.repeat and r.rung_level not in done]
        if repeats:
            # The group hears the repeat; rungs it never heard are passed over for it.
            post += repeats
            supersede += [r for r in group if r.level not in done]
        elif group:
            top = max(group, key=lambda r: r.level)
            if not any(level >= top.level for level in done if level in GROUP_LEVELS):
                post.append(top)
                supersede += [r for r in group if r is not top and r.level not in done]
        post += [
            r
            for r in rungs
            if r.level in (Level.HEADS_UP, Level.ESCALATED)
            and not r.repeat
            and r.rung_level not in done
        ]
    return ReminderChoice(tuple(post), tuple(supersede))


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def digest_instant(week: date, timetable: Timetable) -> datetime:
    """When the digest for the week starting Monday `week` is due: Monday at the digest time."""
    return local_instant(week_start(week), timetable.digest_time, timetable.tz)


def digest_week_due(now: datetime, timetable: Timetable) -> date:
    """The Monday of the latest digest instant at or before `now`."""
    monday = week_start(timetable.today(now))
    if now >= digest_instant(monday, timetable):
        return monday
    return monday - timedelta(days=7)


def weeks_between(after: date, before: date) -> list[date]:
    """The Mondays strictly between two Mondays, oldest first."""
    weeks = []
    week = week_start(after) + timedelta(days=7)
    while week < before:
        weeks.append(week)
        week += timedelta(days=7)
    return weeks
