"""The status a reading was given when it was recorded: against the targets in force then.

A reading recorded before the targets were last revised keeps the status it had; history shows
it, and says which targets it was rated against. A reading keeps the status and expected value
it was given when it was recorded (`status`, `expected`); for one recorded before waymark kept
them they are worked out again here, which gives the same answer: the same rules, the same
targets in force, the same value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from commands.domain.periods import Cadence
from commands.domain.rules import Polarity, Status, assess, parse_tolerance
from commands.domain.status import path_under, period_of
from commands.domain.targets import Revision, TargetFacts, Targets, targets_in_force


class RatedOutcome(TargetFacts, Protocol):
    """What rating a reading needs of its outcome: an ORM `Outcome` or a plain row."""

    @property
    def cadence(self) -> str: ...
    @property
    def polarity(self) -> str: ...


class RatedFacts(Protocol):
    @property
    def period(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def submitted_at(self) -> datetime: ...


class RecordedFacts(RatedFacts, Protocol):
    """A stored reading: with the status and expected value it was given, where it kept them."""

    @property
    def status(self) -> str | None: ...
    @property
    def expected(self) -> float | None: ...


@dataclass(frozen=True)
class Rating:
    """A reading's status and the expected value it was compared with, under `targets`;
    `replaced_by` is the revision that replaced those targets (None: they are today's)."""

    status: Status
    expected: float
    targets: Targets
    replaced_by: Revision | None


def rating_when_recorded(
    reading: RecordedFacts, outcome: RatedOutcome, revisions: Sequence[Revision]
) -> Rating:
    """The status `reading` was given when it was recorded, under the targets in force then:
    as it kept them, or worked out again for a reading that did not keep them."""
    in_force = targets_in_force(reading.submitted_at, Targets.of(outcome), revisions)
    if reading.status is not None and reading.expected is not None:
        return Rating(
            Status(reading.status), reading.expected, in_force.targets, in_force.replaced_by
        )
    return rating_under(reading, outcome, in_force.targets, in_force.replaced_by)


def rating_at(reading: RatedFacts, outcome: RatedOutcome, revisions: Sequence[Revision]) -> Rating:
    """The status `reading` is given as it is recorded, under the targets in force at its
    `submitted_at` (an imported reading may predate revisions of them)."""
    in_force = targets_in_force(reading.submitted_at, Targets.of(outcome), revisions)
    return rating_under(reading, outcome, in_force.targets, in_force.replaced_by)


def rating_under(
    reading: RatedFacts,
    outcome: RatedOutcome,
    targets: Targets,
    replaced_by: Revision | None = None,
) -> Rating:
    cadence = Cadence(outcome.cadence)
    expected = path_under(targets, cadence).expected_at(period_of(reading.period, cadence).end)
    assessment = assess(
        reading.value, expected, Polarity(outcome.polarity), parse_tolerance(targets.tolerance)
    )
    return Rating(assessment.status, expected, targets, replaced_by)
