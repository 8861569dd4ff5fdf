"""An outcome's standing as lists and the digest show it: its kept status, its latest figure
and what is due, without the rest of the card (`commands.domain.status.OutcomeStatus`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

from commands.domain.periods import Cadence, Period
from commands.domain.rules import Status, due_date
from commands.domain.status import Due, due_period_of


@lru_cache(maxsize=4096)
def _due_on(
    cadence: Cadence, baseline_period: str, lag_days: int, today: date
) -> tuple[Period, str, date] | None:
    due = due_period_of(cadence, baseline_period, lag_days, today)
    return (due, due.label, due_date(due, lag_days)) if due is not None else None


def overdue_due(
    cadence: Cadence, baseline_period: str, lag_days: int, latest_start: date | None, today: date
) -> Due | None:
    """The period due by `today`, its due date and whether it is overdue, from the start of the
    latest period reported alone (dates only: no reading needed). The same for every outcome
    of a cadence, baseline and lag on a given day, so worked out once for them all."""
    found = _due_on(cadence, baseline_period, lag_days, today)
    if found is None:
        return None
    due, label, due_on = found
    # Periods of one cadence are ordered by their start (see `is_overdue`).
    return Due(label, due_on, latest_start is None or latest_start < due.start)


class StandingFacts(Protocol):
    """An outcome's columns with its status as kept (`storage.repositories.StandingRow`)."""

    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def measure(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def cadence(self) -> str: ...
    @property
    def lag_days(self) -> int: ...
    @property
    def baseline_period(self) -> str: ...
    @property
    def paused_reason(self) -> str | None: ...
    @property
    def area_name(self) -> str: ...
    @property
    def owner_name(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def latest_period_start(self) -> date | None: ...
    @property
    def latest_period(self) -> str | None: ...
    @property
    def latest_value(self) -> float | None: ...


# Looked up rather than constructed: an enum's constructor costs a microsecond a row.
_STATUSES = {s.value: s for s in Status}
_CADENCES = {c.value: c for c in Cadence}


@dataclass(frozen=True, slots=True)
class Figure:
    period: str
    value: float


@dataclass(frozen=True, slots=True)
class Standing:
    number: int
    title: str
    measure: str
    unit: str
    area: str
    owner_name: str | None
    status: Status
    latest: Figure | None
    due: Due | None
    paused_reason: str | None


def standing_of(row: StandingFacts, today: date) -> Standing:
    """The outcome's standing on `today`: its status as kept (`no_data` while its readings wait
    to be rated: a moment after a road-map import, never longer), and what is due by then."""
    latest = None
    if row.latest_period is not None and row.latest_value is not None:
        latest = Figure(row.latest_period, row.latest_value)
    cadence = _CADENCES[row.cadence]
    return Standing(
        number=row.number,
        title=row.title,
        measure=row.measure,
        unit=row.unit,
        area=row.area_name,
        owner_name=row.owner_name,
        status=_STATUSES[row.status] if row.status is not None else Status.NO_DATA,
        latest=latest,
        due=overdue_due(cadence, row.baseline_period, row.lag_days, row.latest_period_start, today),
        paused_reason=row.paused_reason,
    )
