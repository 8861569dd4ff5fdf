"""What a progress report picks out: the successes a councillor could repeat, and where more
work is required. Pure rules on an outcome's status and its readings; the report's date is a
parameter, as `now` is everywhere in the domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from commands.domain.periods import Cadence, milestone_end
from commands.domain.rules import Direction, Polarity, Status, direction_for
from commands.domain.status import OutcomeStatus


@dataclass(frozen=True)
class Point:
    """A reading as the report reads it: its period, when that period ends, and its value."""

    period: str
    end: date
    value: float


@dataclass(frozen=True)
class MilestoneCheck:
    label: str
    target: float
    due: date
    met: bool | None  # None: no reading for it yet
    value: float | None


def meets(value: float, target: float, polarity: Polarity) -> bool:
    """Whether `value` is at or beyond `target` on the side that is better."""
    return value >= target if polarity is Polarity.HIGHER_IS_BETTER else value <= target


def milestones_due(
    milestones: Sequence[tuple[str, float]],
    cadence: Cadence,
    polarity: Polarity,
    readings: Sequence[Point],
    as_of: date,
) -> list[MilestoneCheck]:
    """Every milestone whose period had ended by `as_of`, and whether the reading for it (the
    latest whose period ends by the milestone's end) met it."""
    checks = []
    for label, target in milestones:
        due = milestone_end(label, cadence)
        if due > as_of:
            continue
        by_then = [r for r in readings if r.end <= due]
        value = by_then[-1].value if by_then else None
        met = meets(value, target, polarity) if value is not None else None
        checks.append(MilestoneCheck(label, target, due, met, value))
    return checks


def worsening_twice(readings: Sequence[Point], polarity: Polarity) -> bool:
    """The last three readings each worse than the one before."""
    if len(readings) < 3:
        return False
    a, b, c = readings[-3:]
    return (
        direction_for(b.value, a.value, polarity) is Direction.WORSENING
        and direction_for(c.value, b.value, polarity) is Direction.WORSENING
    )


def success_reasons(
    status: OutcomeStatus,
    readings: Sequence[Point],
    milestones: Sequence[tuple[str, float]],
    *,
    since: date | None,
) -> list[str]:
    """Why the outcome counts as a success (empty when it does not): `beat` (at or better than
    its path), `improved` (better than the reading before), `milestone:LABEL` (a milestone
    reached by a reading new since the last report, `since`). `readings` are oldest first."""
    latest = status.latest
    if latest is None or status.assessment is None or not readings:
        return []
    reasons = []
    if status.status is Status.ON_TRACK and status.assessment.shortfall == 0:
        reasons.append("beat")
    if status.direction is Direction.IMPROVING:
        reasons.append("improved")
    newest = readings[-1]
    if since is None or newest.end > since:
        earlier = readings[-2].value if len(readings) > 1 else status.baseline.value
        for label, target in milestones:
            if meets(newest.value, target, status.polarity) and not meets(
                earlier, target, status.polarity
            ):
                reasons.append(f"milestone:{label}")
    return reasons


def needs_more_work(status: OutcomeStatus, readings: Sequence[Point]) -> list[str]:
    """Why more work is required (empty when it is not): `off_track`, `worsening_twice`."""
    reasons = []
    if status.status is Status.OFF_TRACK:
        reasons.append("off_track")
    if worsening_twice(readings, status.polarity):
        reasons.append("worsening_twice")
    return reasons
