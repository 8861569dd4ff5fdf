"""The road map as CSV files, the interchange performance teams already use.

Import checks every row of every file first and reports every problem with its file, row and
column; it writes nothing unless all rows are good, and loading the same files twice changes
nothing. Export writes the same format, so export then import round-trips exactly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.periods import (
    Cadence,
    Period,
    PeriodError,
    milestone_end,
    parse_cadence,
    parse_period,
)
from commands.domain.rules import RuleError, format_number, parse_polarity, parse_tolerance
from commands.errors import UserError
from commands.readings import Via, parse_value, record_reading
from commands.status import local_today
from storage.models import Area, Group, GroupLead, Outcome, Reading
from storage.repositories import AuditRepository, ReadingRepository, RoadmapRepository

GROUP_COLUMNS = ["slug", "name", "channel", "leads"]
# Written only when some group is not on Slack, so files from before Teams round-trip unchanged.
PLATFORM_COLUMN = "platform"
PLATFORMS = ("slack", "teams")
OUTCOME_COLUMNS = [
    "number", "title", "area", "measure", "unit", "polarity", "cadence", "lag_days",
    "baseline_period", "baseline_value", "milestones", "tolerance", "owner", "source",
]  # fmt: skip
READING_COLUMNS = ["outcome", "period", "value", "submitted_by", "submitted_at", "note"]
OPTIONAL_COLUMNS = {"submitted_at", "note", "source", "tolerance", "owner", "leads", "platform"}

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")

T = TypeVar("T")


@dataclass
class Problems:
    """Every problem found, each with file, row and column, so all can be fixed in one go."""

    lines: list[str] = field(default_factory=list)

    def add(self, file: str, row: int, column: str, message: str) -> None:
        self.lines.append(f"{file}, row {row}, column {column}: {message}")

    def check(self, file: str, row: int, column: str, parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except (UserError, PeriodError, RuleError, ValueError) as error:
            self.add(file, row, column, str(error))
            return None

    def raise_if_any(self) -> None:
        if self.lines:
            count = len(self.lines)
            heading = f"Nothing was imported: {count} problem{'s' if count > 1 else ''} to fix."
            raise UserError("\n".join([heading, *self.lines]))


@dataclass(frozen=True)
class GroupRow:
    slug: str
    name: str
    channel: str
    leads: tuple[str, ...]  # user ids on the group's platform
    platform: str = "slack"


@dataclass(frozen=True)
class OutcomeRow:
    number: int
    title: str
    area: str
    measure: str
    unit: str
    polarity: str
    cadence: Cadence
    lag_days: int
    baseline_period: str
    baseline_value: float
    milestones: list[list[Any]]
    tolerance: str
    owner: str | None
    source: str


@dataclass(frozen=True)
class ReadingRow:
    outcome: int
    period: Period
    value: float
    submitted_by: str
    submitted_at: datetime | None
    note: str


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, what: str) -> None:
        bucket = getattr(self, kind)
        bucket[what] = bucket.get(what, 0) + 1

    def summary(self) -> str:
        parts = []
        for kind in ("created", "updated", "unchanged"):
            bucket: dict[str, int] = getattr(self, kind)
            if bucket:
                parts.append(f"{kind} " + ", ".join(f"{n} {w}" for w, n in sorted(bucket.items())))
        return "; ".join(parts) if parts else "nothing to import"


def read_rows(path: Path, columns: Sequence[str], problems: Problems) -> list[dict[str, str]]:
    """Rows as dicts (numbered from 2, the first data row in a spreadsheet); header checked."""
    name = path.name
    if not path.exists():
        problems.add(name, 0, "-", f"the file is missing (expected {path})")
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header and c not in OPTIONAL_COLUMNS]
        if missing:
            problems.add(
                name,
                1,
                ", ".join(missing),
                "missing from the header; it must be: " + ",".join(columns),
            )
            return []
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _required(value: str) -> str:
    if not value:
        raise ValueError("is empty; every row needs a value here")
    return value


def _integer(value: str, minimum: int) -> int:
    if not re.fullmatch(r"-?\d+", value):
        raise ValueError(f"'{value}' is not a whole number")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{number} is too small; it must be at least {minimum}")
    return number


def _number(value: str) -> float:
    try:
        return parse_value(_required(value))
    except UserError:
        raise ValueError(f"'{value}' is not a number (write it like 23.4)") from None


def _timestamp(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"'{value}' is not an ISO 8601 date and time; write it like 2025-06-14T10:32:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"'{value}' has no time zone; add Z for UTC, like 2025-06-14T10:32:00Z")
    return parsed.astimezone(UTC)


def _milestones(text: str, cadence: Cadence, baseline: Period | None) -> list[list[Any]]:
    pairs: list[list[Any]] = []
    previous_end = baseline.end if baseline else None
    for part in _required(text).split(";"):
        key, sep, target = part.partition(":")
        if not sep:
            raise ValueError(f"'{part}' is not key:target; write milestones like 2028:25;2040:10")
        end = milestone_end(key, cadence)
        if previous_end is not None and end <= previous_end:
            raise ValueError(f"milestone {key.strip()} must come after the one before it")
        previous_end = end
        pairs.append([key.strip(), _number(target)])
    return pairs


def parse_groups(rows: list[dict[str, str]], problems: Problems) -> list[GroupRow]:
    found: list[GroupRow] = []
    seen: set[str] = set()
    for index, row in enumerate(rows, start=2):
        group = _parse_group(row, index, problems)
        if group is not None and group.slug in seen:
            problems.add("groups.csv", index, "slug", f"'{group.slug}' appears twice")
        elif group is not None:
            seen.add(group.slug)
            found.append(group)
    return found


def _parse_group(row: dict[str, str], index: int, problems: Problems) -> GroupRow | None:
    def cell(column: str, parse: Callable[[str], T]) -> T | None:
        return problems.check("groups.csv", index, column, lambda: parse(row.get(column, "")))

    def slug_of(value: str) -> str:
        if not _SLUG.fullmatch(_required(value)):
            raise ValueError(f"'{value}' is not a slug: use lower-case letters, digits and -")
        return value

    slug, name, channel = cell("slug", slug_of), cell("name", _required), cell("channel", _required)
    platform = cell(PLATFORM_COLUMN, _platform)
    if slug is None or name is None or channel is None or platform is None:
        return None
    return GroupRow(slug, name, channel, tuple(row.get("leads", "").split()), platform)


def _platform(value: str) -> str:
    """Where the group's channel is: `slack` (also when left empty) or `teams`."""
    platform = value.strip().lower() or "slack"
    if platform not in PLATFORMS:
        raise ValueError(
            f"'{value}' is not a chat platform: write slack or teams, or leave it empty for slack"
        )
    return platform


def parse_outcomes(
    rows: list[dict[str, str]], known_groups: set[str], problems: Problems
) -> list[OutcomeRow]:
    found: list[OutcomeRow] = []
    seen: set[int] = set()
    for index, row in enumerate(rows, start=2):
        errors_before = len(problems.lines)
        outcome = _parse_outcome(row, index, known_groups, problems)
        if outcome.number in seen:
            problems.add("outcomes.csv", index, "number", f"outcome {outcome.number} appears twice")
        if len(problems.lines) == errors_before:
            seen.add(outcome.number)
            found.append(outcome)
    return found


def _parse_outcome(
    row: dict[str, str], index: int, known_groups: set[str], problems: Problems
) -> OutcomeRow:
    def cell(column: str, parse: Callable[[str], T]) -> T | None:
        return problems.check("outcomes.csv", index, column, lambda: parse(row.get(column, "")))

    cadence = cell("cadence", lambda v: parse_cadence(_required(v)))
    baseline = milestones = None
    if cadence is not None:
        baseline = cell("baseline_period", lambda v: parse_period(_required(v), cadence))
        milestones = cell("milestones", lambda v: _milestones(v, cadence, baseline))
    owner = row.get("owner", "") or None
    if owner is not None and owner not in known_groups:
        problems.add("outcomes.csv", index, "owner", f"'{owner}' is not a group in groups.csv")
    polarity = cell("polarity", lambda v: parse_polarity(_required(v)))
    tolerance = cell("tolerance", parse_tolerance)
    outcome = OutcomeRow(
        number=cell("number", lambda v: _integer(v, 1)) or 0,
        title=cell("title", _required) or "",
        area=cell("area", _required) or "",
        measure=cell("measure", _required) or "",
        unit=cell("unit", _required) or "",
        polarity=polarity.value if polarity else "",
        cadence=cadence or Cadence.ANNUAL,
        lag_days=cell("lag_days", lambda v: _integer(v, 0)) or 0,
        baseline_period=baseline.label if baseline else "",
        baseline_value=cell("baseline_value", _number) or 0.0,
        milestones=milestones or [],
        tolerance=str(tolerance) if tolerance else "",
        owner=owner,
        source=row.get("source", ""),
    )
    if outcome.unit == "%":
        targets = [("milestones", float(t)) for _, t in outcome.milestones]
        for column, value in [("baseline_value", outcome.baseline_value), *targets]:
            if not 0 <= value <= 100:
                problems.add(
                    "outcomes.csv",
                    index,
                    column,
                    f"{format_number(value)} is not a percentage (0-100)",
                )
    return outcome


def parse_readings(
    rows: list[dict[str, str]],
    cadences: dict[int, Cadence],
    has_ended: Callable[[Period], bool],
    problems: Problems,
    file: str = "readings.csv",
) -> list[ReadingRow]:
    found: list[ReadingRow] = []
    for index, row in enumerate(rows, start=2):
        errors_before = len(problems.lines)
        reading = _parse_reading(row, index, cadences, has_ended, problems, file)
        if reading is not None and len(problems.lines) == errors_before:
            found.append(reading)
    return found


def _parse_reading(
    row: dict[str, str],
    index: int,
    cadences: dict[int, Cadence],
    has_ended: Callable[[Period], bool],
    problems: Problems,
    file: str,
) -> ReadingRow | None:
    def cell(column: str, parse: Callable[[str], T]) -> T | None:
        return problems.check(file, index, column, lambda: parse(row.get(column, "")))

    number = cell("outcome", lambda v: _integer(v, 1))
    cadence = cadences.get(number) if number is not None else None
    if number is not None and cadence is None:
        problems.add(file, index, "outcome", f"there is no outcome {number} in the road map")
    period = cell("period", lambda v: parse_period(_required(v), cadence)) if cadence else None
    if period is not None and not has_ended(period):
        problems.add(file, index, "period", f"{period.label} has not ended yet")
    value = cell("value", _number)
    by = cell("submitted_by", _required)
    at = cell("submitted_at", _timestamp)
    if number is None or period is None or value is None or by is None:
        return None
    return ReadingRow(number, period, value, by, at, row.get("note", ""))


async def import_roadmap(
    session: AsyncSession, directory: Path, *, actor: str, now: datetime, tz: tzinfo
) -> ImportReport:
    """Load groups.csv and outcomes.csv (and readings.csv when present) from `directory`."""
    problems = Problems()
    group_rows = parse_groups(
        read_rows(directory / "groups.csv", GROUP_COLUMNS, problems), problems
    )
    roadmap = RoadmapRepository(session)
    known = {g.slug for g in group_rows} | {g.slug for g in await roadmap.groups()}
    outcome_rows = parse_outcomes(
        read_rows(directory / "outcomes.csv", OUTCOME_COLUMNS, problems), known, problems
    )
    readings_file = directory / "readings.csv"
    reading_rows: list[ReadingRow] = []
    if readings_file.exists():
        cadences = {o.number: Cadence(o.cadence) for o in await roadmap.outcomes()}
        cadences.update({o.number: o.cadence for o in outcome_rows})
        raw = read_rows(readings_file, READING_COLUMNS, problems)
        reading_rows = parse_readings(raw, cadences, _has_ended(now, tz), problems)
    problems.raise_if_any()

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
    await _apply_readings(session, reading_rows, report, now, tz, problems)
    problems.raise_if_any()
    return report


async def import_readings(
    session: AsyncSession, file: Path, *, now: datetime, tz: tzinfo
) -> ImportReport:
    problems = Problems()
    cadences = {o.number: Cadence(o.cadence) for o in await RoadmapRepository(session).outcomes()}
    raw = read_rows(file, READING_COLUMNS, problems)
    rows = parse_readings(raw, cadences, _has_ended(now, tz), problems, file=file.name)
    problems.raise_if_any()
    report = ImportReport()
    await _apply_readings(session, rows, report, now, tz, problems, file=file.name)
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
    }
    group = groups.get(row.slug)
    if group is None:
        group = Group(slug=row.slug, name=row.name, channel_id=row.channel, platform=row.platform)
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
    now: datetime,
    tz: tzinfo,
    problems: Problems,
    file: str = "readings.csv",
) -> None:
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
        try:
            recorded = await record_reading(
                session,
                outcome=outcome,
                value=row.value,
                period=row.period,
                by=row.submitted_by,
                via=Via.IMPORT,
                now=now,
                tz=tz,
                note=row.note,
                submitted_at=row.submitted_at,
            )
        except UserError as error:
            problems.add(file, index, "value", str(error))
            continue
        history.setdefault((row.outcome, row.period.label), []).append(recorded.reading)
        report.count("created", "readings")


def _same(row: ReadingRow, reading: Reading) -> bool:
    if (row.value, row.submitted_by, row.note) != (
        reading.value,
        reading.submitted_by,
        reading.note,
    ):
        return False
    # Without a timestamp the row can only mean the period's current value.
    return reading.submitted_at == row.submitted_at if row.submitted_at else reading.is_current


async def export_roadmap(session: AsyncSession, directory: Path) -> list[Path]:
    roadmap = RoadmapRepository(session)
    all_groups = await roadmap.groups()
    group_columns = list(GROUP_COLUMNS)
    groups = [[g.slug, g.name, g.channel_id, " ".join(g.lead_ids)] for g in all_groups]
    if any(g.platform != "slack" for g in all_groups):
        group_columns.append(PLATFORM_COLUMN)
        groups = [[*row, g.platform] for row, g in zip(groups, all_groups, strict=True)]
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
        for o in sorted(await roadmap.outcomes(), key=lambda o: o.number)
    ]
    return [
        _write(directory / "groups.csv", group_columns, groups),
        _write(directory / "outcomes.csv", OUTCOME_COLUMNS, outcomes),
        await export_readings(session, directory / "readings.csv"),
    ]


async def export_readings(session: AsyncSession, file: Path) -> Path:
    rows = [
        [
            str(number),
            r.period,
            format_number(r.value),
            r.submitted_by,
            r.submitted_at.isoformat().replace("+00:00", "Z"),
            r.note,
        ]
        for number, r in await ReadingRepository(session).everything()
    ]
    return _write(file, READING_COLUMNS, rows)


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
