"""When an action owes its owner's update, and the dates people type for it: tables a reader
can check by hand (six weeks is 42 days)."""

from __future__ import annotations

from datetime import date

import pytest

from commands.domain.calendar import Level, Timetable
from commands.domain.dates import DateError, parse_day
from commands.domain.plans import UpdateOwed, choose_rungs, is_overdue, rungs_reached, update_owed
from commands.reminders.bank_holidays import england_and_wales
from tests.scheduler.conftest import LONDON, at


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        ("31/03/2027", date(2027, 3, 31)),
        ("31 March 2027", date(2027, 3, 31)),
        ("31st Mar 2027", date(2027, 3, 31)),
        ("March 2027", date(2027, 3, 31)),  # a month means its last day
        ("Feb 2028", date(2028, 2, 29)),  # a leap year
        ("Sept 2027", date(2027, 9, 30)),
        ("2027-06", date(2027, 6, 30)),
        ("2027", date(2027, 12, 31)),
        ("  1 april,  2027 ", date(2027, 4, 1)),
    ],
)
def test_dates_as_people_type_them(typed: str, day: date) -> None:
    assert parse_day(typed) == day


@pytest.mark.parametrize(
    "typed", ["31 February 2027", "2027-13-01", "next March", "Marchember 2027", ""]
)
def test_what_is_not_a_date_says_how_to_write_one(typed: str) -> None:
    with pytest.raises(DateError, match=r"write it like 2027-03-31, 31 March 2027 or March 2027"):
        parse_day(typed)


@pytest.mark.parametrize(
    ("state", "last", "due", "owed"),
    [
        # No due date: owed six weeks (42 days) after the last update.
        ("on_track", date(2026, 9, 14), None, UpdateOwed(date(2026, 10, 26), overdue=False)),
        # Due before it goes quiet: owed from the day after the due date.
        ("on_track", date(2026, 10, 2), date(2026, 10, 30), UpdateOwed(date(2026, 10, 31), True)),
        # Due after it goes quiet: quiet first.
        ("delayed", date(2026, 9, 1), date(2026, 12, 31), UpdateOwed(date(2026, 10, 13), False)),
        # Updated after the due date passed: only going quiet asks again.
        ("delayed", date(2026, 11, 2), date(2026, 10, 30), UpdateOwed(date(2026, 12, 14), False)),
        # Updated on the due date itself: still asked the day after.
        ("on_track", date(2026, 10, 30), date(2026, 10, 30), UpdateOwed(date(2026, 10, 31), True)),
        ("complete", date(2026, 1, 1), date(2026, 2, 1), None),
        ("cancelled", date(2026, 1, 1), None, None),
    ],
)
def test_when_an_update_is_owed(
    state: str, last: date, due: date | None, owed: UpdateOwed | None
) -> None:
    assert update_owed(state, last, due, 42) == owed


@pytest.mark.parametrize(
    ("state", "due", "overdue"),
    [
        ("on_track", date(2026, 11, 25), True),
        ("on_track", date(2026, 11, 26), False),  # due today is not late yet
        ("complete", date(2026, 1, 1), False),
        ("cancelled", date(2026, 1, 1), False),
        ("delayed", None, False),
    ],
)
def test_overdue_means_open_past_its_due_date(state: str, due: date | None, overdue: bool) -> None:
    assert is_overdue(state, due, date(2026, 11, 26)) is overdue


TIMETABLE = Timetable(LONDON, bank_holidays=england_and_wales)


@pytest.mark.parametrize(
    ("now", "reached"),
    [
        # Owed from Monday 26 October 2026: 10:00 that day, then a week and a fortnight later.
        ("2026-10-26T09:59", ()),
        ("2026-10-26T10:00", (Level.DUE,)),
        ("2026-11-02T10:00", (Level.DUE, Level.OVERDUE)),
        ("2026-11-09T10:00", (Level.DUE, Level.OVERDUE, Level.ESCALATED)),
        ("2026-11-14T10:00", ()),  # a Saturday: nothing goes out
        ("2026-11-09T18:00", ()),  # after working hours
    ],
)
def test_the_ladder_climbs_from_the_day_it_was_owed(now: str, reached: tuple[Level, ...]) -> None:
    owed = UpdateOwed(date(2026, 10, 26), overdue=False)
    assert rungs_reached(owed, at(now), TIMETABLE) == reached


@pytest.mark.parametrize(
    ("reached", "done", "post", "supersede"),
    [
        ((Level.DUE,), set(), (Level.DUE,), ()),
        ((Level.DUE,), {Level.DUE}, (), ()),
        # After downtime, the owner hears once at the highest level; the lower is passed over.
        ((Level.DUE, Level.OVERDUE), set(), (Level.OVERDUE,), (Level.DUE,)),
        (
            (Level.DUE, Level.OVERDUE, Level.ESCALATED),
            {Level.DUE},
            (Level.OVERDUE, Level.ESCALATED),
            (),
        ),
        (
            (Level.DUE, Level.OVERDUE, Level.ESCALATED),
            {Level.DUE, Level.OVERDUE, Level.ESCALATED},
            (),
            (),
        ),
    ],
)
def test_each_rung_is_posted_once(
    reached: tuple[Level, ...],
    done: set[Level],
    post: tuple[Level, ...],
    supersede: tuple[Level, ...],
) -> None:
    choice = choose_rungs(reached, done)
    assert (choice.post, choice.supersede) == (post, supersede)
