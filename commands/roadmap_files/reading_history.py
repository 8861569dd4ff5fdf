"""One outcome's readings as a bulk import sees them while it checks a file's rows in order:
those stored and those the import has written so far, and the rating of each new one against
the outcome's targets, worked out once a period rather than once a row."""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from commands.domain.periods import Cadence, Period
from commands.domain.rules import Polarity, Status, Tolerance, assess, parse_tolerance
from commands.domain.status import path_under, period_of
from commands.domain.targets import Revision, Targets, targets_in_force
from storage.models import Outcome
from storage.repositories import StagedRow


@dataclass
class Known:
    """A reading of the outcome being imported, stored before or written by this import."""

    id: int
    period: str
    period_start: date
    value: float
    submitted_by: str
    submitted_at: datetime
    note: str
    is_current: bool
    audit: dict[str, Any]  # its values, as the audit log records them
    new: dict[str, Any] | None = None  # its row to insert, when this import writes it


class Rater:
    """`ratings.rating_at` for many readings of one outcome: its targets and each period's
    expected value worked out once, not once a row."""

    def __init__(self, outcome: Outcome, ends: dict[Cadence, dict[date, date]]) -> None:
        self.cadence = Cadence(outcome.cadence)
        self.polarity = Polarity(outcome.polarity)
        self.targets = Targets.of(outcome)
        self.baseline_start = period_of(outcome.baseline_period, self.cadence).start
        self.expected: dict[tuple[Targets, date], float] = {}
        self.on_path: dict[date, float] = {}  # the same, under the targets as they stand
        self.tolerances: dict[str, Tolerance] = {}
        # Shared by the outcomes of a cadence: each outcome has a period once, many share it.
        self.ends = ends.setdefault(self.cadence, {})

    def end(self, start: date) -> date:
        """The end of the period that starts on `start` (a row's period is kept as its start)."""
        end = self.ends.get(start)
        if end is None:
            end = self.ends[start] = Period(start, self.cadence).end
        return end

    def rate(self, row: StagedRow, at: datetime, revisions: list[Revision]) -> tuple[Status, float]:
        in_force = targets_in_force(at, self.targets, revisions) if revisions else None
        targets = in_force.targets if in_force else self.targets
        if targets is self.targets:  # as for most rows: no need to hash the targets
            expected = self.on_path.get(row.period_start)
            if expected is None:
                expected = self.on_path[row.period_start] = self._expected(targets, row)
        else:
            key = (targets, row.period_start)
            expected = self.expected.get(key)
            if expected is None:
                expected = self.expected[key] = self._expected(targets, row)
        tolerance = self.tolerances.get(targets.tolerance)
        if tolerance is None:
            tolerance = self.tolerances[targets.tolerance] = parse_tolerance(targets.tolerance)
        return assess(row.value, expected, self.polarity, tolerance).status, expected

    def _expected(self, targets: Targets, row: StagedRow) -> float:
        return path_under(targets, self.cadence).expected_at(self.end(row.period_start))


class History:
    """One outcome's readings by period, and which periods have a current one, in order."""

    def __init__(self, stored: list[Any], rater: Rater) -> None:
        self.rater = rater
        self.by_period: dict[date, list[Known]] = {}
        self.current: dict[date, Known] = {}
        self.starts: list[date] = []
        for r in stored:
            values = audit_values(r._mapping)
            self.add(Known(r.id, r.period, r.period_start, r.value, r.submitted_by,
                            r.submitted_at, r.note, r.is_current, values))  # fmt: skip

    def add(self, reading: Known) -> None:
        self.by_period.setdefault(reading.period_start, []).append(reading)
        if reading.is_current:
            if reading.period_start not in self.current:
                insort(self.starts, reading.period_start)
            self.current[reading.period_start] = reading

    def before(self, start: date) -> Known | None:
        """The current reading of the nearest earlier period that has one."""
        at = bisect_left(self.starts, start)
        return self.current[self.starts[at - 1]] if at else None


def audit_values(reading: Any) -> dict[str, Any]:
    """As `recording._audit_values` gives them, from a stored row or a row to insert."""
    return {
        "value": reading["value"],
        "period": reading["period"],
        "submitted_by": reading["submitted_by"],
        "submitted_at": reading["submitted_at"].isoformat(),
        "via": reading["via"],
        "note": reading["note"],
        "state": reading["state"],
        "approved_by": reading["approved_by"],
        "confirmed": reading["confirmed"],
        "revision_reason": reading["revision_reason"],
    }
