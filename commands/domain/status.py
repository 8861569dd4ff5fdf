"""An outcome's standing at a date: the figures behind `/outcome N` and `waymark status N`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol

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
from commands.domain.targets import Targets


class Named(Protocol):
    @property
    def name(self) -> str: ...


class Owner(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...


class OutcomeFacts(Protocol):
    """What a status is worked out from: an ORM `Outcome`, or the plain columns a whole-road-map
    listing loads (`storage.repositories.OutcomeRow`), which cost a fraction to load."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def measure(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def polarity(self) -> str: ...
    @property
    def cadence(self) -> str: ...
    @property
    def tolerance(self) -> str: ...
    @property
    def lag_days(self) -> int: ...
    @property
    def baseline_period(self) -> str: ...
    @property
    def baseline_value(self) -> float: ...
    @property
    def milestones(self) -> Sequence[Any]: ...
    @property
    def paused_reason(self) -> str | None: ...
    @property
    def snoozed_until(self) -> date | None: ...
    @property
    def area(self) -> Named: ...
    @property
    def owner(self) -> Owner | None: ...


class ReadingFacts(Protocol):
    """A reading as a status shows it: an ORM `Reading` or a plain row."""

    @property
    def period(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def submitted_by(self) -> str: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def via(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def approved_by(self) -> str | None: ...
    @property
    def revision_reason(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...


# A reading's status needs a line of commentary on what is being done when it is one of these.
NEEDS_COMMENTARY = (Status.AT_RISK, Status.OFF_TRACK)


@dataclass(frozen=True)
class ReadingView:
    period: str
    value: float
    submitted_by: str
    submitted_at: datetime
    via: str
    note: str
    state: str = "approved"  # or provisional, until someone other than its submitter approves
    approved_by: str | None = None
    revision_reason: str | None = None  # set when it revised a published (locked) figure
    status_given: str | None = None  # the status it was given when recorded

    @classmethod
    def of(cls, reading: ReadingFacts) -> ReadingView:
        return cls(
            period=reading.period,
            value=reading.value,
            submitted_by=reading.submitted_by,
            submitted_at=reading.submitted_at,
            via=reading.via,
            note=reading.note,
            state=reading.state,
            approved_by=reading.approved_by,
            revision_reason=reading.revision_reason,
            status_given=reading.status,
        )

    @property
    def provisional(self) -> bool:
        return self.state == "provisional"

    @property
    def commentary_missing(self) -> bool:
        return self.status_given in NEEDS_COMMENTARY and not self.note.strip()

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "value": self.value,
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at.isoformat().replace("+00:00", "Z"),
            "state": self.state,
            "approved_by": self.approved_by,
            "note": self.note,
            "revised_after_publication": self.revision_reason is not None,
            "revision_reason": self.revision_reason,
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
    # While nothing is due yet: the first period to report, and when it will be due.
    first_due: Due | None = None

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


# Statuses are worked out for the whole road map at once, and most of the work is parsing the
# same few period labels, tolerances and paths again: the pure parts are memoised. Keys are the
# values themselves, so an outcome whose definition changes simply misses.
_PERIODS = 4096
_PATHS = 16384


@lru_cache(maxsize=_PERIODS)
def _period(text: str, cadence: Cadence) -> Period:
    return parse_period(text, cadence)


@lru_cache(maxsize=_PERIODS)
def _period_end(text: str, cadence: Cadence) -> date:
    return _period(text, cadence).end


@lru_cache(maxsize=64)
def _tolerance(text: str) -> Tolerance:
    return parse_tolerance(text)


@lru_cache(maxsize=_PATHS)
def _path(
    cadence: Cadence,
    baseline_period: str,
    baseline_value: float,
    milestones: tuple[tuple[str, float], ...],
) -> Path:
    baseline = _period(baseline_period, cadence)
    anchors = [Anchor(baseline.end, baseline_value, baseline.label)]
    anchors += [Anchor(milestone_end(key, cadence), target, key) for key, target in milestones]
    return Path(tuple(anchors))


@lru_cache(maxsize=_PERIODS)
def _due(cadence: Cadence, baseline_period: str, lag_days: int, today: date) -> Period | None:
    return due_period(_period(baseline_period, cadence).next(), lag_days, today)


def due_period_of(
    cadence: Cadence, baseline_period: str, lag_days: int, today: date
) -> Period | None:
    """`due_of` from the columns it needs."""
    return _due(cadence, baseline_period, lag_days, today)


def first_period_of(cadence: Cadence, baseline_period: str) -> Period:
    """`first_reportable` from the columns it needs."""
    return _period(baseline_period, cadence).next()


def period_of(label: str, cadence: Cadence) -> Period:
    """`parse_period`, memoised: for labels read back from the database."""
    return _period(label, cadence)


def due_of(outcome: OutcomeFacts, today: date) -> Period | None:
    """The latest period of the outcome whose reading is due by `today`, or None."""
    return _due(Cadence(outcome.cadence), outcome.baseline_period, outcome.lag_days, today)


def path_of(outcome: OutcomeFacts) -> Path:
    return _path(
        Cadence(outcome.cadence),
        outcome.baseline_period,
        outcome.baseline_value,
        tuple((str(key), float(target)) for key, target in outcome.milestones),
    )


@lru_cache(maxsize=_PERIODS)
def _end_of(start: date, cadence: Cadence) -> date:
    return Period(start, cadence).end


def path_status(outcome: OutcomeFacts, period_start: date, value: float) -> Status:
    """A reading's status against the outcome's targets as they stand: what `status_of` gives
    when it is the latest reading (taken at its period's end, so it does not change with the
    date it is looked at)."""
    cadence = Cadence(outcome.cadence)
    expected = path_of(outcome).expected_at(_end_of(period_start, cadence))
    assert expected is not None
    polarity = Polarity(outcome.polarity)
    return assess(value, expected, polarity, _tolerance(outcome.tolerance)).status


def path_under(targets: Targets, cadence: Cadence) -> Path:
    """The expected path that `targets` (current or earlier ones) draw."""
    return _path(cadence, targets.baseline_period, targets.baseline_value, targets.milestones)


def first_reportable(outcome: OutcomeFacts) -> Period:
    """The first period after the baseline: the earliest one a reading can be due for."""
    return _period(outcome.baseline_period, Cadence(outcome.cadence)).next()


def status_of(
    outcome: OutcomeFacts, readings: Sequence[ReadingFacts], today: date
) -> OutcomeStatus:
    """Everything the card shows. `readings` are the outcome's newest current readings, newest
    first (the latest and the previous); `today` is the local date to judge due dates by."""
    cadence = Cadence(outcome.cadence)
    polarity = Polarity(outcome.polarity)
    tolerance = _tolerance(outcome.tolerance)
    path = path_of(outcome)
    latest = readings[0] if readings else None
    previous = readings[1] if len(readings) > 1 else None

    due = _due(cadence, outcome.baseline_period, outcome.lag_days, today)
    reported = [_period(latest.period, cadence)] if latest else []
    due_view = (
        Due(due.label, due_date(due, outcome.lag_days), is_overdue(due, reported)) if due else None
    )
    first = None if due else first_period_of(cadence, outcome.baseline_period)
    first_due = Due(first.label, due_date(first, outcome.lag_days), False) if first else None

    assessment: Assessment | None = None
    if latest is not None:
        expected_for: str | None = latest.period
        expected: float | None = path.expected_at(_period_end(latest.period, cadence))
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
        first_due=first_due,
        paused_reason=outcome.paused_reason,
        snoozed_until=outcome.snoozed_until
        if outcome.snoozed_until and outcome.snoozed_until >= today
        else None,
    )


def local_today(now: datetime, tz: Any) -> date:
    """The calendar date at `now` where the road map is run (Europe/London by default)."""
    return now.astimezone(tz).date()
