"""Plain-value rows: an outcome's or a reading's columns without the ORM, for work over
the whole road map (no identity map, no change tracking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# The widest key every database waymark runs on holds: PostgreSQL's INTEGER. SQLite holds more,
# but a number beyond this names nothing on either, so it is never sent to be compared.
_LARGEST_KEY = 2**31 - 1


def storable(*numbers: int) -> bool:
    """Whether each number fits an INTEGER column; a lookup of one that does not finds nothing
    (PostgreSQL would refuse the query, SQLite beyond int64 too)."""
    return all(-_LARGEST_KEY - 1 <= n <= _LARGEST_KEY for n in numbers)


@dataclass(frozen=True, slots=True)
class AreaRow:
    name: str


@dataclass(frozen=True, slots=True)
class OwnerRow:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """An outcome's columns as plain values, for work over the whole road map: a fraction of
    the time and memory of an ORM `Outcome` (no identity map, no change tracking)."""

    id: int
    number: int
    title: str
    measure: str
    unit: str
    polarity: str
    cadence: str
    tolerance: str
    lag_days: int
    baseline_period: str
    baseline_value: float
    milestones: list[Any]
    paused_reason: str | None
    snoozed_until: date | None
    area: AreaRow
    owner: OwnerRow | None
    # As kept (see `storage.repositories.standing`): the status now, and the start of the
    # latest period with a current reading.
    status: str | None = None
    latest_period_start: date | None = None


@dataclass(frozen=True, slots=True)
class ReadingRow:
    """A reading's columns as plain values."""

    id: int
    outcome_id: int
    period: str
    period_start: date
    value: float
    submitted_by: str
    submitted_at: datetime
    via: str
    note: str
    superseded_at: datetime | None
    supersedes_id: int | None
    state: str
    approved_by: str | None
    revision_reason: str | None
    status: str | None  # as given when it was recorded
    path_status: str | None = None  # against the targets as they stand


@dataclass(frozen=True, slots=True)
class StandingRow:
    """What lists and the digest show of an outcome, with its status as kept: the columns of
    `OutcomeRow` they read, without the path (the JSON of milestones costs most to load)."""

    id: int
    number: int
    title: str
    measure: str
    unit: str
    polarity: str
    cadence: str
    lag_days: int
    baseline_period: str
    paused_reason: str | None
    area_name: str
    owner_name: str | None
    status: str | None
    latest_period_start: date | None
    latest_period: str | None
    latest_value: float | None
