"""Writing the road map, its readings and its delivery plans as the same CSV files that import
reads, so export then import round-trips exactly."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.rules import format_number
from commands.roadmap_files.people import PEOPLE_COLUMNS, PEOPLE_FILE, people_rows
from commands.roadmap_files.plan_files import (
    ACTION_COLUMNS,
    ACTIONS,
    UPDATE_COLUMNS,
    UPDATES,
    export_plan_files,
)
from commands.roadmap_files.revisions import REVISION_COLUMNS, REVISIONS_FILE, revision_rows
from commands.roadmap_files.rows import (
    APPROVERS_COLUMN,
    CONFIRMED_COLUMN,
    FINGERTIPS_COLUMN,
    GROUP_COLUMNS,
    OUTCOME_COLUMNS,
    PLATFORM_COLUMN,
    READING_COLUMNS,
    REVISION_COLUMN,
    STATE_COLUMNS,
)
from storage.repositories import ReadingRepository, RoadmapRepository


async def export_roadmap(session: AsyncSession, directory: Path) -> list[Path]:
    roadmap = RoadmapRepository(session)
    all_groups = await roadmap.groups()
    group_columns = list(GROUP_COLUMNS)
    groups = [[g.slug, g.name, g.channel_id, " ".join(g.lead_ids)] for g in all_groups]
    if any(g.platform != "slack" for g in all_groups):
        group_columns.append(PLATFORM_COLUMN)
        groups = [[*row, g.platform] for row, g in zip(groups, all_groups, strict=True)]
    if any(g.approvers for g in all_groups):
        group_columns.append(APPROVERS_COLUMN)
        groups = [[*row, " ".join(g.approvers)] for row, g in zip(groups, all_groups, strict=True)]
    in_order = sorted(await roadmap.outcomes(), key=lambda o: o.number)
    outcomes = [
        [
            str(o.number),
            o.title,
            o.area.name,
            o.measure,
            o.unit,
            o.polarity,
            o.cadence,
            str(o.lag_days),
            o.baseline_period,
            format_number(o.baseline_value),
            ";".join(f"{k}:{format_number(float(t))}" for k, t in o.milestones),
            o.tolerance,
            o.owner.slug if o.owner else "",
            o.source,
        ]
        for o in in_order
    ]
    outcome_columns = list(OUTCOME_COLUMNS)
    indicators = [o.fingertips_indicator or "" for o in in_order]
    if any(indicators):
        outcome_columns.append(FINGERTIPS_COLUMN)
        outcomes = [[*row, indicator] for row, indicator in zip(outcomes, indicators, strict=True)]
    actions, updates = await export_plan_files(session)
    return [
        _write(directory / "groups.csv", group_columns, groups),
        _write(directory / "outcomes.csv", outcome_columns, outcomes),
        await export_readings(session, directory / "readings.csv"),
        _write(directory / PEOPLE_FILE, PEOPLE_COLUMNS, await people_rows(session)),
        _write(directory / REVISIONS_FILE, REVISION_COLUMNS, await revision_rows(session)),
        _write(directory / ACTIONS, ACTION_COLUMNS, actions),
        _write(directory / UPDATES, UPDATE_COLUMNS, updates),
    ]


async def export_readings(session: AsyncSession, file: Path) -> Path:
    everything = await ReadingRepository(session).everything()
    columns = [*READING_COLUMNS, *STATE_COLUMNS]
    rows = [
        [
            str(number),
            r.period,
            format_number(r.value),
            r.submitted_by,
            _instant(r.submitted_at),
            r.note,
            r.state,
            r.approved_by or "",
            _instant(r.approved_at) if r.approved_at else "",
        ]
        for number, r in everything
    ]
    if any(r.confirmed for _, r in everything):
        columns.append(CONFIRMED_COLUMN)
        rows = [
            [*row, "yes" if r.confirmed else ""]
            for row, (_, r) in zip(rows, everything, strict=True)
        ]
    if any(r.revision_reason for _, r in everything):
        columns.append(REVISION_COLUMN)
        rows = [
            [*row, r.revision_reason or ""] for row, (_, r) in zip(rows, everything, strict=True)
        ]
    return _write(file, columns, rows)


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_csv_text(header, rows), encoding="utf-8")
    return path


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
