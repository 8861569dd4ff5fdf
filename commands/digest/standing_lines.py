"""The digest's lines about where the road map stands: statuses by area, what is overdue and
what is due soon, read as kept (`commands.readings.standing`) in a few small queries: counts
grouped in the database, and due dates worked out once per schedule (cadence, baseline and
lag), not once per outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.periods import Cadence, Period
from commands.domain.rules import Status, due_date
from commands.domain.status import due_period_of, first_period_of
from commands.presentation.formatting import day
from storage.repositories import Schedule, StandingRepository, StandingRow

STATUS_ORDER = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)
UPCOMING_DAYS = 14
# Outcomes named per group in the overdue list before "and N more".
_PER_GROUP = 6

CountsRow = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class StandingLines:
    rows: list[CountsRow]  # per area (every one, in road-map order): the four counts
    totals: dict[Status, int]
    overdue: list[str]  # per group, the outcomes whose due reading has not arrived
    upcoming: list[str]  # the first lines of what is due in the next `UPCOMING_DAYS` days
    upcoming_total: int
    named: dict[int, StandingRow]  # the outcomes asked for by id


async def standing_lines(
    session: AsyncSession, today: date, named: set[int] | None
) -> StandingLines:
    """In two statements: how many outcomes have each status per area, what is overdue (a
    period is due once its lag has passed, and overdue until it or a later period has a
    reading), what is due in the next `UPCOMING_DAYS` days and not yet in, soonest first, and
    the outcomes `named` by id (all of them, for None)."""
    standing = StandingRepository(session)
    counts: dict[str, dict[Status, int]] = {}
    schedules: set[Schedule] = set()
    for area, status, schedule, n in await standing.counts():
        kept = Status(status) if status is not None else Status.NO_DATA
        counts.setdefault(area, dict.fromkeys(STATUS_ORDER, 0))[kept] += n
        if schedule is not None:
            schedules.add(schedule)
    rows = [
        (area, c[Status.ON_TRACK], c[Status.AT_RISK], c[Status.OFF_TRACK], c[Status.NO_DATA])
        for area, c in counts.items()
    ]
    totals = {s: sum(c[s] for c in counts.values()) for s in STATUS_ORDER}

    due: dict[Schedule, tuple[Period, date]] = {}
    upcoming: dict[Schedule, tuple[Period, date]] = {}
    for schedule in schedules:
        cadence, baseline, lag = schedule
        kind = Cadence(cadence)
        period = due_period_of(kind, baseline, lag, today)
        if period is not None:
            due[schedule] = (period, due_date(period, lag))
        following = period.next() if period is not None else first_period_of(kind, baseline)
        due_on = due_date(following, lag)
        if today <= due_on <= today + timedelta(days=UPCOMING_DAYS):
            upcoming[schedule] = (following, due_on)
    behind = await standing.behind(
        {s: p.start for s, (p, _) in due.items()},
        # Soonest first, then by number, across schedules due the same day too.
        {s: (p.start, due_on.toordinal()) for s, (p, due_on) in upcoming.items()},
        named,
    )
    return StandingLines(
        rows,
        totals,
        _overdue_lines(behind.overdue, due, today),
        _upcoming_lines(behind.upcoming, upcoming),
        behind.upcoming_total,
        behind.named,
    )


def _overdue_lines(
    late: list[StandingRow], due: dict[Schedule, tuple[Period, date]], today: date
) -> list[str]:
    by_group: dict[str, list[str]] = {}
    for row in late:
        period, due_on = due[_schedule(row)]
        days_late = (today - due_on).days
        paused = ", reminders paused" if row.paused_reason is not None else ""
        by_group.setdefault(row.owner_name or "No group", []).append(
            f"{row.number} ({period.label}, {days_late} day{'' if days_late == 1 else 's'}{paused})"
        )
    lines = []
    for group in sorted(by_group):
        items = by_group[group]
        more = f" and {len(items) - _PER_GROUP} more" if len(items) > _PER_GROUP else ""
        noun = "outcome" if len(items) == 1 else "outcomes"
        lines.append(f"{group}: {noun} {', '.join(items[:_PER_GROUP])}{more}")
    return lines


def _upcoming_lines(
    soon: list[StandingRow], upcoming: dict[Schedule, tuple[Period, date]]
) -> list[str]:
    lines = []
    for row in soon:
        period, due_on = upcoming[_schedule(row)]
        group = f", {row.owner_name}" if row.owner_name else ""
        lines.append(
            f"Outcome {row.number}, {row.measure}: {period.label} due {day(due_on)}{group}"
        )
    return lines


def _schedule(row: StandingRow) -> Schedule:
    return (row.cadence, row.baseline_period, row.lag_days)
