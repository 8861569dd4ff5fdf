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
from commands.presentation.replies import plain_mentions
from commands.readings.guards import RefusedError, Submission, check_submission, record_checked
from commands.readings.recording import Approval, Via
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
    CONFIRMED_COLUMN,
    GROUP_COLUMNS,
    OUTCOME_COLUMNS,
    READING_COLUMNS,
    REVISION_COLUMN,
    GroupRow,
    OutcomeRow,
    Problems,
    ReadingRow,
    parse_groups,
    parse_outcomes,
    parse_readings,
    read_rows,
)
from storage.models import Area, Group, GroupLead, Outcome, Reading
from storage.publication_models import ReadingState
from storage.repositories import (
    AuditRepository,
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
    outcome_rows = parse_outcomes(
        read_rows(directory / "outcomes.csv", OUTCOME_COLUMNS, problems), known, problems
    )
    existing = {o.number: o for o in await roadmap.outcomes()}
    cadences = {number: Cadence(o.cadence) for number, o in existing.items()}
    cadences.update({o.number: o.cadence for o in outcome_rows})
    readings_file = directory / "readings.csv"
    reading_rows: list[ReadingRow] = []
    if readings_file.exists():
        raw = read_rows(readings_file, READING_COLUMNS, problems)
        reading_rows = parse_readings(raw, cadences, _has_ended(now, tz), problems)
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
    await _apply_readings(session, reading_rows, report, actor, now, tz, problems)
    problems.raise_if_any()
    await apply_plan_files(session, plans, report.count, actor=actor, now=now)
    return report


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
    session: AsyncSession, file: Path, *, now: datetime, tz: tzinfo, actor: str = "import"
) -> ImportReport:
    problems = Problems()
    cadences = {o.number: Cadence(o.cadence) for o in await RoadmapRepository(session).outcomes()}
    raw = read_rows(file, READING_COLUMNS, problems)
    rows = parse_readings(raw, cadences, _has_ended(now, tz), problems, file=file.name)
    problems.raise_if_any()
    report = ImportReport()
    await _apply_readings(session, rows, report, actor, now, tz, problems, file=file.name)
    problems.raise_if_any()
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
        outcome = Outcome(number=row.number)
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


async def _apply_readings(
    session: AsyncSession,
    rows: list[ReadingRow],
    report: ImportReport,
    actor: str,
    now: datetime,
    tz: tzinfo,
    problems: Problems,
    file: str = "readings.csv",
) -> None:
    """Record each new row, checked as any figure is (a file has no one to ask, so a doubt
    is a problem unless the row is marked `confirmed`); every problem is reported."""
    if not rows:
        return
    roadmap = RoadmapRepository(session)
    outcomes = {o.number: o for o in await roadmap.outcomes(numbers={r.outcome for r in rows})}
    history: dict[tuple[int, str], list[Reading]] = {}
    for number, reading in await ReadingRepository(session).everything():
        history.setdefault((number, reading.period), []).append(reading)
    for index, row in enumerate(rows, start=2):
        outcome = outcomes[row.outcome]
        known = history.get((row.outcome, row.period.label), [])
        if any(_same(row, r) for r in known):
            report.count("unchanged", "readings")
            continue
        submission = Submission(
            outcome, row.value, row.period, row.submitted_by, Via.IMPORT, note=row.note,
            reason=row.revision_reason, confirmed=row.confirmed, submitted_at=row.submitted_at,
        )  # fmt: skip
        try:
            checked = await check_submission(
                session, submission, admins=(), tz=tz, may_revise_published=True
            )
        except RefusedError as error:
            problems.add(file, index, error.box.value, plain_mentions(str(error)))
            continue
        if checked.needs_reason:
            problems.add(
                file, index, "period",
                f"{plain_mentions(checked.lock_words(tz))} To revise it, give the reason in a "
                f"{REVISION_COLUMN} column.",
            )  # fmt: skip
            continue
        if checked.unusual and not row.confirmed:
            problems.add(
                file, index, "value",
                f"{plain_mentions(checked.unusual)} If it is right, write yes in a "
                f"{CONFIRMED_COLUMN} column.",
            )  # fmt: skip
            continue
        recorded = await record_checked(
            session, checked, now=now, tz=tz, approval=_approval(row, actor, now)
        )
        history.setdefault((row.outcome, row.period.label), []).append(recorded.reading)
        report.count("created", "readings")


def _approval(row: ReadingRow, actor: str, now: datetime) -> Approval | None:
    """Approved as the row says; a row that does not say is the council's record so far,
    approved by whoever imports it."""
    if row.state == ReadingState.PROVISIONAL:
        return None
    if row.state == ReadingState.APPROVED and row.approved_by:
        return Approval(row.approved_by, row.approved_at or now)
    return Approval(actor, now)


def _same(row: ReadingRow, reading: Reading) -> bool:
    if (row.value, row.submitted_by, row.note) != (
        reading.value,
        reading.submitted_by,
        reading.note,
    ):
        return False
    # Without a timestamp the row can only mean the period's current value.
    return reading.submitted_at == row.submitted_at if row.submitted_at else reading.is_current
