"""When an action in a delivery plan owes its owner's update, and which rung of the reminder
ladder that reaches. Standard library only; `now` is always a parameter.

An action owes an update when it has had none for `stale_days` (counted from its last update,
or from when it was added), or when its due date has passed without an update since, whichever
comes first; a complete or cancelled action owes nothing. The day it first owed one (`since`)
names the round: the ladder climbs from there exactly as a reading's does from its due date
(`calendar.ladder`), and an update starts a new round.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from commands.domain.calendar import GROUP_LEVELS, Level, Timetable, ladder, may_remind

CLOSED_STATES = frozenset({"complete", "cancelled"})


@dataclass(frozen=True)
class UpdateOwed:
    since: date  # the first day the update was owed
    overdue: bool  # because the due date passed (else: because it went quiet)


def update_owed(
    state: str, last_activity: date, due: date | None, stale_days: int
) -> UpdateOwed | None:
    """Whether, and since when, an action owes an update; `last_activity` is the local day of
    its latest update (or of when it was added)."""
    if state in CLOSED_STATES:
        return None
    owed = UpdateOwed(last_activity + timedelta(days=stale_days), overdue=False)
    if due is not None and last_activity <= due and due + timedelta(days=1) < owed.since:
        owed = UpdateOwed(due + timedelta(days=1), overdue=True)
    return owed


def is_overdue(state: str, due: date | None, today: date) -> bool:
    """Past its due date and neither complete nor cancelled."""
    return due is not None and due < today and state not in CLOSED_STATES


def rungs_reached(owed: UpdateOwed, now: datetime, timetable: Timetable) -> tuple[Level, ...]:
    """The ladder's levels reached at `now` for one round; none outside working hours."""
    if not may_remind(now, timetable):
        return ()
    day_before = owed.since - timedelta(days=1)
    return tuple(level for level, at in ladder(day_before, timetable) if at <= now)


@dataclass(frozen=True)
class RungChoice:
    """The levels to post now, and the lower ones to record as passed over."""

    post: tuple[Level, ...]
    supersede: tuple[Level, ...]


def choose_rungs(reached: Sequence[Level], done: Collection[Level]) -> RungChoice:
    """As for readings: the owner hears once, at the highest level reached (lower ones are
    passed over), and the programme channel is told when the last rung is reached."""
    post: list[Level] = []
    supersede: list[Level] = []
    group = [level for level in reached if level in GROUP_LEVELS]
    if group:
        top = max(group)
        if not any(level >= top for level in done if level in GROUP_LEVELS):
            post.append(top)
            supersede += [level for level in group if level != top and level not in done]
    if Level.ESCALATED in reached and Level.ESCALATED not in done:
        post.append(Level.ESCALATED)
    return RungChoice(tuple(post), tuple(supersede))
