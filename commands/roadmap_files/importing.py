"""Loading the road map from its CSV files, the interchange performance teams already use.

Every row of every file is checked first (`rows.py`, `people.py`, `revisions.py`); nothing is
written unless all rows are good, and loading the same files twice changes nothing. A change
of an outcome's targets needs a reason and is kept as a revision (`revisions.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.periods import (
    Cadence,
    Period,
)
from commands.domain.status import local_today
from commands.readings.standing import keep_every_status
from commands.roadmap_files.bulk_readings import (
    BulkImport,
    Progress,
    apply_staged,
    no_progress,
    stage_file,
)
from commands.roadmap_files.people import PEOPLE_COLUMNS, PEOPLE_FILE, apply_people, parse_people
from commands.roadmap_files.plan_files import apply_plan_files, read_plan_files
from commands.roadmap_files.revisions import (
    REVISION_COLUMNS,
    REVISIONS_FILE,
    PlannedChange,
    apply_revisions,
    need_a_reason,
    parse_revisions,
    planned_changes,
    revise,
)
from commands.roadmap_files.rows import (
    GROUP_COLUMNS,
    OUTCOME_COLUMNS,
    GroupRow,
    OutcomeRow,
    Problems,
    parse_groups,
    parse_outcomes,
    read_rows,
)
from storage.models import Area, Group, GroupLead, Outcome
from storage.repositories import (
    NO_DATA,
    AuditRepository,
    ReadingImport,
    ReadingRepository,
    RoadmapRepository,
    TargetRevisionRepository,
)


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    revised: list[str] = field(default_factory=list)  # targets changed, in words

    def count(self, kind: str, what: str) -> None:
        bucket = getattr(self, kind)
        bucket[what] = bucket.get(what, 0) + 1

    def summary(self) -> str:
        parts = []
        for kind in ("created", "updated", "unchanged"):
            bucket: dict[str, int] = getattr(self, kind)
            if bucket:
                parts.append(f"{kind} " + ", ".join(f"{n} {w}" for w, n in sorted(bucket.items())))
        if self.revised:
            parts.append("targets revised: " + "; ".join(self.revised))
        return "; ".join(parts) if parts else "nothing to import"


async def import_roadmap(
    session: AsyncSession,
    directory: Path,
    *,
    actor: str,
    now: datetime,
    tz: tzinfo,
    reason: str | None = None,
    progress: Progress = no_progress,
) -> ImportReport:
    """Load groups.csv and outcomes.csv (and readings.csv, people.csv, target_revisions.csv,
    actions.csv and action_updates.csv when present) from `directory`. Changing an outcome's
    targets needs a `reason`: without one, nothing is imported and the changes are named."""
    problems = Problems()
    group_rows = parse_groups(
        read_rows(directory / "groups.csv", GROUP_COLUMNS, problems), problems
    )
    roadmap = RoadmapRepository(session)
    known = {g.slug for g in group_rows} | {g.slug for g in await roadmap.groups()}
    raw_outcomes = read_rows(directory / "outcomes.csv", OUTCOME_COLUMNS, problems)
    outcome_rows = parse_outcomes(raw_outcomes, known, problems)
    existing = {o.number: o for o in await roadmap.outcomes()}
    await _cadences_kept(session, raw_outcomes, outcome_rows, existing, problems)
    cadences = {number: Cadence(o.cadence) for number, o in existing.items()}
    cadences.update({o.number: o.cadence for o in outcome_rows})
    readings_file = directory / "readings.csv"
    staging = ReadingImport(session)
    await staging.open()
    if readings_file.exists():
        await stage_file(staging, readings_file, cadences, _has_ended(now, tz), problems, progress)
    people_file = directory / PEOPLE_FILE
    people_rows = []
    if people_file.exists():
        people_rows = parse_people(read_rows(people_file, PEOPLE_COLUMNS, problems), problems)
    revisions_file = directory / REVISIONS_FILE
    revision_rows = []
    if revisions_file.exists():
        raw = read_rows(revisions_file, REVISION_COLUMNS, problems)
        revision_rows = parse_revisions(raw, cadences, problems)
    numbers = {o.number for o in outcome_rows} | {o.number for o in await roadmap.outcomes()}
    plans = await read_plan_files(session, directory, numbers, problems)
    problems.raise_if_any()
    changing = planned_changes(outcome_rows, existing)
    if changing and not (reason or "").strip():
        raise need_a_reason(changing)

    report = ImportReport()
    audit = AuditRepository(session)
    groups = {g.slug: g for g in await roadmap.groups()}
    for group_row in group_rows:
        _apply_group(group_row, groups, roadmap, audit, report, actor, now)
    areas = {a.name: a for a in await roadmap.areas()}
    for outcome_row in outcome_rows:
        if outcome_row.area not in areas:
            area = Area(slug=_slugify(outcome_row.area), name=outcome_row.area, position=len(areas))
            areas[area.name] = area
            roadmap.add(area)
            report.count("created", "areas")
    await roadmap.flush()
    outcomes = {o.number: o for o in await roadmap.outcomes()}
    for outcome_row in outcome_rows:
        _apply_outcome(outcome_row, outcomes, areas, groups, roadmap, audit, report, actor, now)
    await roadmap.flush()
    _revise_targets(changing, outcomes, audit, TargetRevisionRepository(session),
                    by=actor, reason=(reason or "").strip(), now=now)  # fmt: skip
    report.revised = [change.words for change in changing]
    await apply_people(session, people_rows, report.count, actor=actor, now=now)
    await apply_revisions(session, revision_rows, outcomes, report.count, problems,
                          actor=actor, now=now)  # fmt: skip
    await roadmap.flush()
    job = BulkImport(staging, problems, report.count, actor, now, tz, readings_file.name, progress)
    await apply_staged(session, job)
    problems.raise_if_any()
    await staging.close()
    await apply_plan_files(session, plans, report.count, actor=actor, now=now)
    await keep_every_status(session)
    return report


async def _cadences_kept(
    session: AsyncSession,
    raw: list[dict[str, str]],
    rows: list[OutcomeRow],
    existing: dict[int, Outcome],
    problems: Problems,
) -> None:
    """An outcome's readings are kept by the periods of its cadence ('2024/25' is a financial
    year, not a year): with readings, its cadence cannot change, or they could not be read."""
    changed = {
        row.number: (Cadence(existing[row.number].cadence), row.cadence)
        for row in rows
        if row.number in existing and Cadence(existing[row.number].cadence) != row.cadence
    }
    if not changed:
        return
    held = await ReadingRepository(session).counted(existing[n].id for n in changed)
    lines = {r.get("number", ""): i for i, r in enumerate(raw, start=2)}
    for number, (was, wanted) in changed.items():
        count = held.get(existing[number].id, 0)
        if count:
            problems.add(
                "outcomes.csv", lines.get(str(number), 0), "cadence",
                f"outcome {number} has {count} reading{'s' if count > 1 else ''} of its "
                f"{was.value} periods, which could not be read as {wanted.value} ones: keep it "
                f"{was.value}, or give the new measure an outcome of its own",
            )  # fmt: skip


def _revise_targets(
    changing: list[PlannedChange],
    outcomes: dict[int, Outcome],
    audit: AuditRepository,
    revisions: TargetRevisionRepository,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> None:
    for change in changing:
        revise(outcomes[change.number], change, revisions, audit, by=by, reason=reason, now=now)


async def import_readings(
    session: AsyncSession,
    file: Path,
    *,
    now: datetime,
    tz: tzinfo,
    actor: str = "import",
    progress: Progress = no_progress,
) -> ImportReport:
    """Load a readings.csv (see `bulk_readings`): every problem is reported, and nothing is
    imported unless all rows are good."""
    problems = Problems()
    cadences = {o.number: Cadence(o.cadence) for o in await RoadmapRepository(session).outcomes()}
    staging = ReadingImport(session)
    await staging.open()
    await stage_file(staging, file, cadences, _has_ended(now, tz), problems, progress)
    problems.raise_if_any()
    report = ImportReport()
    await apply_staged(
        session, BulkImport(staging, problems, report.count, actor, now, tz, file.name, progress)
    )
    problems.raise_if_any()
    await staging.close()
    return report


def _has_ended(now: datetime, tz: tzinfo) -> Callable[[Period], bool]:
    today = local_today(now, tz)
    return lambda period: period.end < today


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _group_values(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "platform": group.platform,
        "channel": group.channel_id,
        "leads": group.lead_ids,
        "approvers": list(group.approvers or []),
    }


def _apply_group(
    row: GroupRow,
    groups: dict[str, Group],
    roadmap: RoadmapRepository,
    audit: AuditRepository,
    report: ImportReport,
    actor: str,
    now: datetime,
) -> None:
    wanted = {
        "name": row.name,
        "platform": row.platform,
        "channel": row.channel,
        "leads": list(row.leads),
        "approvers": list(row.approvers),
    }
    group = groups.get(row.slug)
    if group is None:
        group = Group(
            slug=row.slug,
            name=row.name,
            channel_id=row.channel,
            platform=row.platform,
            approvers=list(row.approvers),
        )
        group.leads = [GroupLead(user_id=u, position=i) for i, u in enumerate(row.leads)]
        roadmap.add(group)
        groups[row.slug] = group
        report.count("created", "groups")
        audit.record(at=now, actor=actor, action="group.imported", subject=f"group:{row.slug}",
                     after=wanted)  # fmt: skip
        return
    before = _group_values(group)
    if before == wanted:
        report.count("unchanged", "groups")
        return
    group.name, group.channel_id, group.platform = row.name, row.channel, row.platform
    group.approvers = list(row.approvers)
    group.leads = [GroupLead(user_id=u, position=i) for i, u in enumerate(row.leads)]
    report.count("updated", "groups")
    audit.record(at=now, actor=actor, action="group.imported", subject=f"group:{row.slug}",
                 before=before, after=wanted)  # fmt: skip


# What a reading's status against the outcome's targets depends on.
_RATED_BY = ("polarity", "cadence", "baseline_period", "baseline_value", "milestones", "tolerance")


def _outcome_values(outcome: Outcome) -> dict[str, Any]:
    return {
        "title": outcome.title,
        "area": outcome.area.name if outcome.area else None,
        "measure": outcome.measure,
        "unit": outcome.unit,
        "polarity": outcome.polarity,
        "cadence": outcome.cadence,
        "lag_days": outcome.lag_days,
        "baseline_period": outcome.baseline_period,
        "baseline_value": outcome.baseline_value,
        "milestones": [[str(k), float(t)] for k, t in outcome.milestones],
        "tolerance": outcome.tolerance,
        "owner": outcome.owner.slug if outcome.owner else None,
        "source": outcome.source,
        "fingertips_indicator": outcome.fingertips_indicator,
    }


def _apply_outcome(
    row: OutcomeRow,
    outcomes: dict[int, Outcome],
    areas: dict[str, Area],
    groups: dict[str, Group],
    roadmap: RoadmapRepository,
    audit: AuditRepository,
    report: ImportReport,
    actor: str,
    now: datetime,
) -> None:
    outcome = outcomes.get(row.number)
    before = _outcome_values(outcome) if outcome else None
    if outcome is None:
        # Nothing to rate yet: readings imported with it are rated as they are written.
        outcome = Outcome(number=row.number, status=NO_DATA)
        roadmap.add(outcome)
        outcomes[row.number] = outcome
    outcome.title, outcome.measure, outcome.unit = row.title, row.measure, row.unit
    outcome.area = areas[row.area]
    outcome.polarity, outcome.cadence, outcome.lag_days = (
        row.polarity,
        row.cadence.value,
        row.lag_days,
    )
    outcome.baseline_period, outcome.baseline_value = row.baseline_period, row.baseline_value
    outcome.milestones = row.milestones
    outcome.tolerance, outcome.source = row.tolerance, row.source
    outcome.fingertips_indicator = row.fingertips_indicator
    outcome.owner = groups[row.owner] if row.owner else None
    after = _outcome_values(outcome)
    if before is not None and any(before[k] != after[k] for k in _RATED_BY):
        outcome.status = None  # its readings are rated again at the end of the import
    subject = f"outcome:{row.number}"
    if before is None:
        report.count("created", "outcomes")
        audit.record(at=now, actor=actor, action="outcome.imported", subject=subject, after=after)
    elif before != after:
        report.count("updated", "outcomes")
        audit.record(at=now, actor=actor, action="outcome.imported", subject=subject,
                     before=before, after=after)  # fmt: skip
    else:
        report.count("unchanged", "outcomes")
