"""The status rules, exactly as README states them, so that anyone can check a result by hand.

- expected value at a date: straight-line interpolation, by days, between the anchor points
  (baseline period end, baseline value) and each (milestone end, target); the baseline value
  before the baseline, the last target after the last milestone.
- status of the latest reading, compared with the expected value at its period's end:
  on track if it meets or beats it (per polarity), at risk if it misses by no more than the
  tolerance, off track if it misses by more; no data when there is no reading.
- direction against the previous reading: improving, worsening or unchanged, per polarity.
- due: the reading for a period is due `lag_days` after the period ends and overdue from the
  day after; at a date, the due period is the latest period whose due date has passed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from commands.domain.periods import Period, period_containing

# Float arithmetic on interpolated values leaves noise in the last bits (0.1 + 0.2); a reading
# exactly on the line must count as on the line, so comparisons allow this much slack.
_RELATIVE_SLACK = 1e-9


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


class Direction(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    UNCHANGED = "unchanged"


class RuleError(ValueError):
    """A rule parameter (tolerance, polarity, milestones) is not valid; the message says why."""


@dataclass(frozen=True)
class Tolerance:
    """How far a reading may miss the path and still be at risk rather than off track."""

    amount: float
    relative: bool

    def allowance(self, expected: float) -> float:
        """The tolerance in the measure's unit, for this expected value."""
        return abs(expected) * self.amount / 100 if self.relative else self.amount

    def __str__(self) -> str:
        return f"{format_number(self.amount)}%" if self.relative else format_number(self.amount)


DEFAULT_TOLERANCE = Tolerance(5.0, relative=True)


def parse_tolerance(text: str) -> Tolerance:
    """`5%` is 5 % of the expected value; a bare number is an amount in the measure's unit."""
    cleaned = text.strip()
    if not cleaned:
        return DEFAULT_TOLERANCE
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%?)", cleaned)
    if match is None:
        raise RuleError(
            f"'{text}' is not a tolerance: write a percentage of the expected value like 5% "
            "or an amount in the measure's unit like 0.5."
        )
    return Tolerance(float(match.group(1)), relative=bool(match.group(2)))


def parse_polarity(text: str) -> Polarity:
    try:
        return Polarity(text.strip().lower())
    except ValueError:
        raise RuleError(
            f"'{text}' is not a polarity: use higher_is_better or lower_is_better."
        ) from None


def format_number(value: float) -> str:
    """The shortest faithful text for a number: 602, 23.4, 0.125 (never 602.0)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    # Never exponent notation: people do not read 1e-05 as a figure.
    return format(Decimal(repr(value)), "f")


@dataclass(frozen=True)
class Anchor:
    """A point the expected path passes through: the baseline or a milestone."""

    on: date
    value: float
    label: str


@dataclass(frozen=True)
class Path:
    """The expected path from the baseline through every milestone to the last target."""

    anchors: tuple[Anchor, ...]

    def __post_init__(self) -> None:
        if not self.anchors:
            raise RuleError("a path needs at least a baseline.")
        for earlier, later in zip(self.anchors, self.anchors[1:], strict=False):
            if later.on <= earlier.on:
                raise RuleError(
                    f"milestone {later.label} ({later.on}) must come after "
                    f"{earlier.label} ({earlier.on})."
                )

    @property
    def milestones(self) -> tuple[Anchor, ...]:
        return self.anchors[1:]

    def expected_at(self, day: date) -> float:
        first, last = self.anchors[0], self.anchors[-1]
        if day <= first.on:
            return first.value
        if day >= last.on:
            return last.value
        for start, end in zip(self.anchors, self.anchors[1:], strict=False):
            if start.on <= day <= end.on:
                fraction = (day - start.on).days / (end.on - start.on).days
                return start.value + (end.value - start.value) * fraction
        raise AssertionError("unreachable: the anchors cover every day between first and last")

    def next_milestone(self, day: date) -> Anchor | None:
        """The first milestone on or after `day`, or None once the last one has passed."""
        return next((m for m in self.milestones if m.on >= day), None)


@dataclass(frozen=True)
class Assessment:
    """Why a reading has the status it has: the figures a councillor would check."""

    status: Status
    expected: float
    shortfall: float  # how far the reading is worse than expected; 0 when it meets or beats it
    allowance: float  # the tolerance in the measure's unit


def assess(value: float, expected: float, polarity: Polarity, tolerance: Tolerance) -> Assessment:
    worse_by = expected - value if polarity is Polarity.HIGHER_IS_BETTER else value - expected
    allowance = tolerance.allowance(expected)
    slack = _RELATIVE_SLACK * max(1.0, abs(expected))
    if worse_by <= slack:
        return Assessment(Status.ON_TRACK, expected, 0.0, allowance)
    status = Status.AT_RISK if worse_by <= allowance + slack else Status.OFF_TRACK
    return Assessment(status, expected, worse_by, allowance)


def direction_for(latest: float, previous: float, polarity: Polarity) -> Direction:
    change = latest - previous
    if abs(change) <= _RELATIVE_SLACK * max(1.0, abs(previous)):
        return Direction.UNCHANGED
    better = change > 0 if polarity is Polarity.HIGHER_IS_BETTER else change < 0
    return Direction.IMPROVING if better else Direction.WORSENING


def due_date(period: Period, lag_days: int) -> date:
    return period.end + timedelta(days=lag_days)


def due_period(first: Period, lag_days: int, today: date) -> Period | None:
    """The latest period from `first` on whose due date has passed by `today`, or None."""
    last_allowed = today - timedelta(days=lag_days + 1)
    candidate = period_containing(last_allowed, first.cadence)
    if candidate.end > last_allowed:
        candidate = candidate.previous()
    return candidate if candidate >= first else None


def is_overdue(due: Period | None, reported: Sequence[Period]) -> bool:
    """Overdue when a period is due and neither it nor any later period has a reading."""
    return due is not None and not any(p >= due for p in reported)
