"""What the progress report says, worked out from its snapshot alone (no database): every
outcome's status as of the report's date, the summary by priority area, the milestones met,
the successes and where more work is required. The same snapshot gives the same content."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from commands.domain.comparators import Comparison, latest_by_area
from commands.domain.periods import Cadence, parse_period
from commands.domain.progress import (
    MilestoneCheck,
    Point,
    milestones_due,
    needs_more_work,
    success_reasons,
)
from commands.domain.rules import Status
from commands.domain.status import OutcomeStatus, status_of


@dataclass(frozen=True)
class _Area:
    name: str


@dataclass(frozen=True)
class _Owner:
    slug: str
    name: str


@dataclass(frozen=True)
class _Outcome:
    """An outcome's definition as the snapshot holds it (`OutcomeFacts`)."""

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
    area: _Area
    owner: _Owner | None
    paused_reason: str | None = None
    snoozed_until: date | None = None


@dataclass(frozen=True)
class _Reading:
    """A reading as the snapshot holds it (`ReadingFacts`)."""

    period: str
    value: float
    submitted_by: str
    submitted_at: datetime
    via: str
    note: str
    state: str
    approved_by: str | None
    revision_reason: str | None
    status: str | None


@dataclass(frozen=True)
class OutcomeReport:
    """One outcome's block of the report."""

    facts: _Outcome
    source: str
    status: OutcomeStatus
    points: list[Point]  # its readings, oldest first
    provisional_periods: list[str]
    revised: list[tuple[str, str]]  # (period, why) of readings revised after publication
    comparators: list[Comparison]  # every figure, England first, oldest first
    latest_comparators: list[Comparison]
    actions: list[dict[str, Any]]
    milestones: list[MilestoneCheck]
    successes: list[str]
    more_work: list[str]


@dataclass(frozen=True)
class AreaSummary:
    name: str
    counts: Counter[Status] = field(default_factory=Counter)


@dataclass(frozen=True)
class ReportContent:
    as_of: date
    scope_name: str
    scope_kind: str
    include_provisional: bool
    previous_report: date | None
    outcomes: list[OutcomeReport]
    areas: list[AreaSummary]

    @property
    def totals(self) -> Counter[Status]:
        total: Counter[Status] = Counter()
        for area in self.areas:
            total.update(area.counts)
        return total

    @property
    def milestones(self) -> list[tuple[OutcomeReport, MilestoneCheck]]:
        return [(o, m) for o in self.outcomes for m in o.milestones]

    @property
    def successes(self) -> list[OutcomeReport]:
        return [o for o in self.outcomes if o.successes]

    @property
    def more_work(self) -> list[OutcomeReport]:
        return [o for o in self.outcomes if o.more_work]


def report_content(snapshot: dict[str, Any]) -> ReportContent:
    as_of = date.fromisoformat(snapshot["as_of"])
    previous = snapshot.get("previous_report")
    since = date.fromisoformat(previous) if previous else None
    outcomes = [_outcome(o, as_of, since) for o in snapshot["outcomes"]]
    areas: dict[str, AreaSummary] = {}
    for o in outcomes:
        areas.setdefault(o.status.area, AreaSummary(o.status.area)).counts[o.status.status] += 1
    return ReportContent(
        as_of=as_of,
        scope_name=snapshot["scope"]["name"],
        scope_kind=snapshot["scope"]["kind"],
        include_provisional=bool(snapshot["include_provisional"]),
        previous_report=since,
        outcomes=outcomes,
        areas=list(areas.values()),
    )


def _outcome(o: dict[str, Any], as_of: date, since: date | None) -> OutcomeReport:
    owner = o["owner"]
    facts = _Outcome(
        id=o["number"],
        number=o["number"],
        title=o["title"],
        measure=o["measure"],
        unit=o["unit"],
        polarity=o["polarity"],
        cadence=o["cadence"],
        tolerance=o["tolerance"],
        lag_days=o["lag_days"],
        baseline_period=o["baseline_period"],
        baseline_value=o["baseline_value"],
        milestones=o["milestones"],
        area=_Area(o["area"]),
        owner=_Owner(owner["slug"], owner["name"]) if owner else None,
    )
    readings = [_as_reading(r) for r in o["readings"]]
    status = status_of(facts, readings[::-1][:2], as_of)
    cadence = Cadence(facts.cadence)
    points = [Point(r.period, parse_period(r.period, cadence).end, r.value) for r in readings]
    milestones = [(str(k), float(t)) for k, t in facts.milestones]
    figures = [
        Comparison(c["area"], c["period"], c["value"], parse_period(c["period"], cadence).end,
                   c["source"])
        for c in o["comparators"]
    ]  # fmt: skip
    return OutcomeReport(
        facts=facts,
        source=o["source"],
        status=status,
        points=points,
        provisional_periods=[r.period for r in readings if r.state == "provisional"],
        revised=[(r.period, r.revision_reason) for r in readings if r.revision_reason],
        comparators=figures,
        latest_comparators=latest_by_area(figures),
        actions=o["actions"],
        milestones=milestones_due(milestones, cadence, status.polarity, points, as_of),
        successes=success_reasons(status, points, milestones, since=since),
        more_work=needs_more_work(status, points),
    )


def _as_reading(r: dict[str, Any]) -> _Reading:
    return _Reading(
        period=r["period"],
        value=r["value"],
        # Not kept in snapshots (see `snapshot`); those published before may still have them.
        submitted_by="",
        submitted_at=datetime.fromisoformat(r["submitted_at"]),
        via=r["via"],
        note=r["note"],
        state=r["state"],
        approved_by=None,
        revision_reason=r["revision_reason"],
        status=r["status"],
    )
