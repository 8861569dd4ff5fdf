"""The status a reading was given when it was recorded: against the targets in force then.

A reading recorded before the targets were last revised keeps the status it had; history shows
it, and says which targets it was rated against. (Seam: a reading that stores the status it was
given when recorded can be shown with that stored status instead of this reckoning, which
gives the same answer for every reading recorded through waymark: the same rules, the same
targets, the same value.)
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


@dataclass(frozen=True)
class Rating:
    """A reading's status and the expected value it was compared with, under `targets`;
    `replaced_by` is the revision that replaced those targets (None: they are today's)."""

    status: Status
    expected: float
    targets: Targets
    replaced_by: Revision | None


def rating_when_recorded(
    reading: RatedFacts, outcome: RatedOutcome, revisions: Sequence[Revision]
) -> Rating:
    """The status `reading` was given when it was recorded, under the targets in force then."""
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
