"""An outcome's standing at a date: the figures behind `/outcome N` and `waymark status N`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from commands.domain.periods import Cadence, Period, milestone_end, parse_period
from commands.domain.rules import (
    Anchor,
    Assessment,
    Direction,
    Path,
    Polarity,
    Status,
    Tolerance,
    assess,
    direction_for,
    due_date,
    due_period,
    is_overdue,
    parse_tolerance,
)
from storage.models import Outcome, Reading


@dataclass(frozen=True)
class ReadingView:
    period: str
    value: float
    submitted_by: str
    submitted_at: datetime
    via: str
    note: str

    @classmethod
    def of(cls, reading: Reading) -> ReadingView:
        return cls(
            period=reading.period,
            value=reading.value,
            submitted_by=reading.submitted_by,
            submitted_at=reading.submitted_at,
            via=reading.via,
            note=reading.note,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "value": self.value,
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at.isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True)
class Due:
    period: str
    due_date: date
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "due_date": self.due_date.isoformat(),
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class OutcomeStatus:
    number: int
    title: str
    area: str
    owner: str | None
    owner_name: str | None
    measure: str
    unit: str
    polarity: Polarity
    cadence: Cadence
    tolerance: Tolerance
    baseline: Anchor
    latest: ReadingView | None
    previous: ReadingView | None
    expected: float | None
    expected_for: str | None  # the period whose end the expected value is taken at
    assessment: Assessment | None
    status: Status
    direction: Direction | None
    next_milestone: Anchor | None
    due: Due | None
    paused_reason: str | None
    snoozed_until: date | None

    def as_json(self) -> dict[str, Any]:
        """Exactly the keys `waymark status --json` promises."""
        return {
            "number": self.number,
            "title": self.title,
            "area": self.area,
            "owner": self.owner,
            "measure": self.measure,
            "unit": self.unit,
            "polarity": self.polarity.value,
            "latest": self.latest.as_json() if self.latest else None,
            "previous": self.previous.as_json() if self.previous else None,
            "expected": self.expected,
            "status": self.status.value,
            "direction": self.direction.value if self.direction else None,
            "next_milestone": (
                {"period": self.next_milestone.label, "target": self.next_milestone.value}
                if self.next_milestone
                else None
            ),
            "due": self.due.as_json() if self.due else None,
        }


def path_of(outcome: Outcome) -> Path:
    cadence = Cadence(outcome.cadence)
    baseline = parse_period(outcome.baseline_period, cadence)
    anchors = [Anchor(baseline.end, outcome.baseline_value, baseline.label)]
    anchors += [
        Anchor(milestone_end(str(key), cadence), float(target), str(key))
        for key, target in outcome.milestones
    ]
    return Path(tuple(anchors))


def first_reportable(outcome: Outcome) -> Period:
    """The first period after the baseline: the earliest one a reading can be due for."""
    return parse_period(outcome.baseline_period, Cadence(outcome.cadence)).next()


def status_of(outcome: Outcome, readings: Sequence[Reading], today: date) -> OutcomeStatus:
    """Everything the card shows. `readings` are the outcome's newest current readings, newest
    first (the latest and the previous); `today` is the local date to judge due dates by."""
    cadence = Cadence(outcome.cadence)
    polarity = Polarity(outcome.polarity)
    tolerance = parse_tolerance(outcome.tolerance)
    path = path_of(outcome)
    latest = readings[0] if readings else None
    previous = readings[1] if len(readings) > 1 else None

    due = due_period(first_reportable(outcome), outcome.lag_days, today)
    reported = [parse_period(latest.period, cadence)] if latest else []
    due_view = (
        Due(due.label, due_date(due, outcome.lag_days), is_overdue(due, reported)) if due else None
    )

    assessment: Assessment | None = None
    if latest is not None:
        expected_for: str | None = latest.period
        expected: float | None = path.expected_at(parse_period(latest.period, cadence).end)
        assert expected is not None
        assessment = assess(latest.value, expected, polarity, tolerance)
    elif due is not None:
        expected_for, expected = due.label, path.expected_at(due.end)
    else:
        expected_for, expected = None, None

    return OutcomeStatus(
        number=outcome.number,
        title=outcome.title,
        area=outcome.area.name,
        owner=outcome.owner.slug if outcome.owner else None,
        owner_name=outcome.owner.name if outcome.owner else None,
        measure=outcome.measure,
        unit=outcome.unit,
        polarity=polarity,
        cadence=cadence,
        tolerance=tolerance,
        baseline=path.anchors[0],
        latest=ReadingView.of(latest) if latest else None,
        previous=ReadingView.of(previous) if previous else None,
        expected=expected,
        expected_for=expected_for,
        assessment=assessment,
        status=assessment.status if assessment else Status.NO_DATA,
        direction=direction_for(latest.value, previous.value, polarity)
        if latest and previous
        else None,
        next_milestone=path.next_milestone(today),
        due=due_view,
        paused_reason=outcome.paused_reason,
        snoozed_until=outcome.snoozed_until
        if outcome.snoozed_until and outcome.snoozed_until >= today
        else None,
    )


def local_today(now: datetime, tz: Any) -> date:
    """The calendar date at `now` where the road map is run (Europe/London by default)."""
    return now.astimezone(tz).date()
