"""Targets and their revisions: what changed, which targets were in force, and the status a
reading was given under them. Every expected value can be worked out by hand."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from commands.domain.ratings import rating_when_recorded
from commands.domain.rules import Status
from commands.domain.targets import Revision, Targets, target_changes, targets_in_force

# Outcome 12's path: 40% at the end of 2023/24 (31 Mar 2024), 30% by the end of 2025/26
# (31 Mar 2026, 730 days later), lower is better, tolerance 5% of the expected value.
OLD = Targets("2023/24", 40.0, (("2025/26", 30.0), ("2040", 10.0)), "5%")
# Revised on 3 Nov 2026: 34% by 2025/26, so 37% is expected at the end of 2024/25
# (40 - 6 x 365 / 730) where 35% was before (40 - 10 x 365 / 730).
NEW = Targets("2023/24", 40.0, (("2025/26", 34.0), ("2040", 10.0)), "5%")
REVISED_AT = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
REVISION = Revision(REVISED_AT, "U0ADMIN0001", "Board agreed a slower path", OLD, NEW)


@dataclass(frozen=True)
class Outcome:
    baseline_period: str
    baseline_value: float
    milestones: list[Any]
    tolerance: str
    cadence: str = "financial_year"
    polarity: str = "lower_is_better"


@dataclass(frozen=True)
class Reading:
    period: str
    value: float
    submitted_at: datetime
    # As kept when it was recorded; None for readings recorded before waymark kept them.
    status: str | None = None
    expected: float | None = None


def outcome(targets: Targets) -> Outcome:
    return Outcome(
        targets.baseline_period,
        targets.baseline_value,
        [list(m) for m in targets.milestones],
        targets.tolerance,
    )


@pytest.mark.parametrize(
    ("after", "changes"),
    [
        (OLD, []),
        (NEW, ["milestones 2025/26:30;2040:10 → 2025/26:34;2040:10"]),
        (
            Targets("2024/25", 38.5, OLD.milestones, "1"),
            ["baseline period 2023/24 → 2024/25", "baseline value 40 → 38.5", "tolerance 5% → 1"],
        ),
    ],
)
def test_what_changed_is_said_in_the_words_of_outcomes_csv(
    after: Targets, changes: list[str]
) -> None:
    assert target_changes(OLD, after) == changes


@pytest.mark.parametrize(
    ("at", "targets", "replaced"),
    [
        (datetime(2025, 10, 1, 9, 0, tzinfo=UTC), OLD, True),
        (REVISED_AT.replace(minute=0, hour=9), OLD, True),  # an hour before
        (REVISED_AT, NEW, False),  # a revision applies from its own moment
        (datetime(2026, 11, 4, tzinfo=UTC), NEW, False),
    ],
)
def test_the_targets_in_force_at_a_moment(at: datetime, targets: Targets, replaced: bool) -> None:
    in_force = targets_in_force(at, NEW, [REVISION])
    assert in_force.targets == targets
    assert (in_force.replaced_by is REVISION) is replaced


def test_two_revisions_each_replace_the_targets_before_them() -> None:
    later = Targets("2023/24", 40.0, (("2025/26", 33.0), ("2040", 10.0)), "5%")
    second = Revision(datetime(2027, 1, 5, tzinfo=UTC), "U0ADMIN0001", "again", NEW, later)
    between = targets_in_force(datetime(2026, 12, 1, tzinfo=UTC), later, [second, REVISION])
    assert (between.targets, between.replaced_by) == (NEW, second)


@pytest.mark.parametrize(
    ("submitted_at", "value", "expected", "status", "rated_before_revision"),
    [
        # Recorded before the revision: 36 against an expected 35 misses by 1, within the
        # tolerance of 1.75 (5% of 35), so at risk: the status it was given then.
        (datetime(2025, 10, 1, 9, 0, tzinfo=UTC), 36.0, 35.0, Status.AT_RISK, True),
        # The same reading recorded after it: 36 beats an expected 37, so on track.
        (datetime(2026, 11, 4, 9, 0, tzinfo=UTC), 36.0, 37.0, Status.ON_TRACK, False),
        # 37.5 before the revision misses 35 by 2.5, more than 1.75: off track.
        (datetime(2025, 10, 1, 9, 0, tzinfo=UTC), 37.5, 35.0, Status.OFF_TRACK, True),
    ],
)
def test_a_reading_keeps_the_status_it_was_given_when_recorded(
    submitted_at: datetime,
    value: float,
    expected: float,
    status: Status,
    rated_before_revision: bool,
) -> None:
    rating = rating_when_recorded(Reading("2024/25", value, submitted_at), outcome(NEW), [REVISION])
    assert rating.expected == pytest.approx(expected)
    assert rating.status is status
    assert (rating.replaced_by is not None) is rated_before_revision


def test_targets_round_trip_through_json() -> None:
    assert Targets.from_json(NEW.as_json()) == NEW
    assert REVISION.as_json()["at"] == "2026-11-03T10:00:00Z"


def test_a_reading_shows_the_status_it_kept_when_it_has_one() -> None:
    # Kept when recorded (waymark stores them now): shown as kept, not worked out again, and
    # still marked as rated under the targets the revision replaced.
    kept = Reading(
        "2024/25", 37.5, datetime(2025, 10, 1, 9, 0, tzinfo=UTC), status="at_risk", expected=36.0
    )
    rating = rating_when_recorded(kept, outcome(NEW), [REVISION])
    assert (rating.status, rating.expected) == (Status.AT_RISK, 36.0)
    assert rating.replaced_by == REVISION
