"""The figures a progress report is made from, gathered once as JSON-ready data: the
snapshot. A published report stores it, so that the same file can be made again from it, byte
for byte, whatever changes in the database later.

A report as of a date shows the readings submitted by the end of that day (in the road map's
time zone) that were current then, and, unless provisional ones are asked for, only those
approved by the time the report is made.

It holds no one's user id: the report names no one (who submitted or approved a reading, who
owns an action), and `waymark people forget` rewrites ids wherever they are kept, which would
change what a published report's snapshot makes. Without them, it makes the same bytes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commands.comparisons import comparisons_of
from commands.errors import UserError
from commands.outcomes.statuses import find_area
from commands.plans.queries import ActionView, outcome_actions
from storage.models import Outcome, Reading
from storage.publication_models import ReadingState
from storage.repositories import PublishedReportRepository, ReadingRepository, RoadmapRepository

SNAPSHOT_VERSION = 1


async def take_snapshot(
    session: AsyncSession,
    *,
    as_of: date,
    tz: tzinfo,
    area: str | None = None,
    group: str | None = None,
    include_provisional: bool = False,
    with_actions: bool = True,
) -> dict[str, Any]:
    """Everything the report for `as_of` shows, for the whole road map, one area or one
    group's outcomes (without the delivery plans' actions, a query an outcome, when a chat
    answer needs only the figures)."""
    roadmap = RoadmapRepository(session)
    scope = {"kind": "roadmap", "slug": "", "name": "the whole road map"}
    area_id = owner_ids = None
    if area and group:
        raise UserError("Give --area or --group, not both.")
    if area:
        found = await find_area(session, area)
        scope, area_id = {"kind": "area", "slug": found.slug, "name": found.name}, found.id
    elif group:
        owner = await roadmap.group(group.strip().lower())
        if owner is None:
            slugs = ", ".join(g.slug for g in await roadmap.groups())
            raise UserError(f"'{group}' is not a group. The groups are: {slugs}.")
        scope, owner_ids = {"kind": "group", "slug": owner.slug, "name": owner.name}, [owner.id]
    outcomes = await roadmap.outcomes(area_id=area_id, owner_ids=owner_ids)
    if not outcomes:
        raise UserError("There are no outcomes to report on: import a road map first.")
    cutoff = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=tz)
    kept = _readings_at(await ReadingRepository(session).everything(), cutoff, include_provisional)
    comparators = await comparisons_of(session, [o.id for o in outcomes])
    previous = await _previous_report(session, as_of, scope["slug"])
    return {
        "version": SNAPSHOT_VERSION,
        "as_of": as_of.isoformat(),
        "scope": scope,
        "include_provisional": include_provisional,
        "previous_report": previous.isoformat() if previous else None,
        "outcomes": [
            {
                **_definition(o),
                "readings": [_reading(r) for r in kept.get(o.number, [])],
                "comparators": [
                    {"area": c.area, "period": c.period, "value": c.value, "source": c.source}
                    for c in comparators.get(o.id, [])
                    if c.period_end <= as_of
                ],
                "actions": [
                    _action(a) for a in await outcome_actions(session, o.number, as_of=cutoff)
                ],
            }
            for o in outcomes
        ],
    }


def _readings_at(
    everything: Sequence[tuple[int, Reading]], cutoff: datetime, include_provisional: bool
) -> dict[int, list[Reading]]:
    """Each outcome's readings current at `cutoff`, one a period, oldest period first."""
    found: dict[int, dict[str, Reading]] = {}
    for number, reading in everything:
        if reading.submitted_at >= cutoff:
            continue
        if reading.superseded_at is not None and reading.superseded_at < cutoff:
            continue
        found.setdefault(number, {})[reading.period] = reading
    return {
        number: sorted(
            (
                r
                for r in by_period.values()
                if include_provisional or r.state == ReadingState.APPROVED
            ),
            key=lambda r: r.period_start,
        )
        for number, by_period in found.items()
    }


async def _previous_report(session: AsyncSession, as_of: date, scope: str) -> date | None:
    earlier = [
        r.as_of
        for r in await PublishedReportRepository(session).everything()
        if r.scope == scope and r.as_of < as_of
    ]
    return max(earlier, default=None)


def _definition(o: Outcome) -> dict[str, Any]:
    return {
        "number": o.number,
        "title": o.title,
        "area": o.area.name,
        "measure": o.measure,
        "unit": o.unit,
        "polarity": o.polarity,
        "cadence": o.cadence,
        "lag_days": o.lag_days,
        "baseline_period": o.baseline_period,
        "baseline_value": o.baseline_value,
        "milestones": [[str(k), float(t)] for k, t in o.milestones],
        "tolerance": o.tolerance,
        "owner": {"slug": o.owner.slug, "name": o.owner.name} if o.owner else None,
        "source": o.source,
    }


def _reading(r: Reading) -> dict[str, Any]:
    return {
        "period": r.period,
        "value": r.value,
        "state": r.state,
        "note": r.note,
        "revision_reason": r.revision_reason,
        "status": r.status,
        "submitted_at": r.submitted_at.isoformat(),
        "via": r.via,
    }


def _action(a: ActionView) -> dict[str, Any]:
    """What the report shows of an action: not its owner, nor who last updated it."""
    return {
        "number": a.number,
        "title": a.title,
        "kind": a.kind,
        "lead_org": a.lead_org,
        "due": a.due.isoformat() if a.due else None,
        "state": a.state,
    }
