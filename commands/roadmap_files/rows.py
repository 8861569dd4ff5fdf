"""Reading the road map's CSV files: every row of every file is checked first, and every problem
is reported with its file, row and column."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from commands.domain.periods import (
    Cadence,
    Period,
    PeriodError,
    milestone_end,
    parse_cadence,
    parse_period,
)
from commands.domain.rules import RuleError, format_number, parse_polarity, parse_tolerance
from commands.domain.status import period_of
from commands.errors import UserError
from commands.readings.parsing import parse_value

GROUP_COLUMNS = ["slug", "name", "channel", "leads"]


# Written only when some group is not on Slack, so files from before Teams round-trip unchanged.
PLATFORM_COLUMN = "platform"


# Who may approve a group's readings besides the administrators: written when some group has any.
APPROVERS_COLUMN = "approvers"


PLATFORMS = ("slack", "teams")


OUTCOME_COLUMNS = [
    "number", "title", "area", "measure", "unit", "polarity", "cadence", "lag_days",
    "baseline_period", "baseline_value", "milestones", "tolerance", "owner", "source",
]  # fmt: skip
FINGERTIPS_COLUMN = "fingertips_indicator"  # written when some outcome has one: `90366:Male`


READING_COLUMNS = ["outcome", "period", "value", "submitted_by", "submitted_at", "note"]


# Whether each reading is approved, always written; a file without them is the council's record
# so far, imported as approved by whoever imports it.
STATE_COLUMNS = ["state", "approved_by", "approved_at"]


# Written when some reading has them: a figure kept although waymark questioned it, and why a
# published period was revised.
CONFIRMED_COLUMN = "confirmed"
REVISION_COLUMN = "revision_reason"


OPTIONAL_COLUMNS = {
    "submitted_at", "note", "source", "tolerance", "owner", "leads", "platform", "organisation",
    APPROVERS_COLUMN, FINGERTIPS_COLUMN, *STATE_COLUMNS, CONFIRMED_COLUMN, REVISION_COLUMN,
}  # fmt: skip


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_WHOLE = re.compile(r"-?\d+")


T = TypeVar("T")


@dataclass
class Problems:
    """Every problem found, each with file, row and column, so all can be fixed in one go."""

    lines: list[str] = field(default_factory=list)

    def add(self, file: str, row: int, column: str, message: str) -> None:
        self.lines.append(f"{file}, row {row}, column {column}: {message}")

    def cell(
        self, file: str, index: int, row: dict[str, str], column: str, parse: Callable[[str], T]
    ) -> T | None:
        """`parse` of the cell (empty if the column is left out), or None, the problem noted."""
        try:
            return parse(row.get(column, ""))
        except (UserError, PeriodError, RuleError, ValueError) as error:
            self.add(file, index, column, str(error))
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
    approvers: tuple[str, ...] = ()


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
    fingertips_indicator: str | None = None


@dataclass(frozen=True)
class ReadingRow:
    outcome: int
    period: Period
    value: float
    submitted_by: str
    submitted_at: datetime | None
    note: str
    state: str | None = None  # None: not said, so the council's record (approved on import)
    approved_by: str | None = None
    approved_at: datetime | None = None
    confirmed: bool = False
    revision_reason: str = ""


def read_rows(
    path: Path,
    columns: Sequence[str],
    problems: Problems,
    *,
    optional: Collection[str] = OPTIONAL_COLUMNS,
) -> list[dict[str, str]]:
    """Rows as dicts (numbered from 2, the first data row in a spreadsheet); header checked
    (columns in `optional` may be left out)."""
    return list(iter_rows(path, columns, problems, optional=optional))


def iter_rows(
    path: Path,
    columns: Sequence[str],
    problems: Problems,
    *,
    optional: Collection[str] = OPTIONAL_COLUMNS,
) -> Iterator[dict[str, str]]:
    """`read_rows`, one row at a time, for files too big to hold."""
    name = path.name
    if not path.exists():
        problems.add(name, 0, "-", f"the file is missing (expected {path})")
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        missing = [c for c in columns if c not in header and c not in optional]
        if missing:
            problems.add(
                name,
                1,
                ", ".join(missing),
                "missing from the header; it must be: " + ",".join(columns),
            )
            return
        # As csv.DictReader reads them, without its cost a row: blank lines skipped, a short
        # row's missing cells empty, a long row's extra ones (and unnamed columns) left out.
        width = len(header)
        for values in reader:
            if len(values) < width:
                if not values:
                    continue
                values += [""] * (width - len(values))
            yield {k: v.strip() for k, v in zip(header, values, strict=False) if k}


def _required(value: str) -> str:
    if not value:
        raise ValueError("is empty; every row needs a value here")
    return value


def _integer(value: str, minimum: int) -> int:
    if not _WHOLE.fullmatch(value):
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


def timestamp(value: str) -> datetime | None:
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
        return problems.cell("groups.csv", index, row, column, parse)

    def slug_of(value: str) -> str:
        if not _SLUG.fullmatch(_required(value)):
            raise ValueError(f"'{value}' is not a slug: use lower-case letters, digits and -")
        return value

    slug, name, channel = cell("slug", slug_of), cell("name", _required), cell("channel", _required)
    platform = cell(PLATFORM_COLUMN, _platform)
    if slug is None or name is None or channel is None or platform is None:
        return None
    leads, approvers = row.get("leads", "").split(), row.get(APPROVERS_COLUMN, "").split()
    return GroupRow(slug, name, channel, tuple(leads), platform, tuple(approvers))


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
        return problems.cell("outcomes.csv", index, row, column, parse)

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
        fingertips_indicator=row.get(FINGERTIPS_COLUMN, "") or None,
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


def parse_reading(
    row: dict[str, str],
    index: int,
    cadences: dict[int, Cadence],
    has_ended: Callable[[Period], bool],
    problems: Problems,
    file: str,
) -> ReadingRow | None:
    cell = partial(problems.cell, file, index, row)
    number = cell("outcome", lambda v: _integer(v, 1))
    cadence = cadences.get(number) if number is not None else None
    if number is not None and cadence is None:
        problems.add(file, index, "outcome", f"there is no outcome {number} in the road map")
    # Memoised: a file of a million readings names a few hundred periods.
    period = cell("period", lambda v: period_of(_required(v), cadence)) if cadence else None
    if period is not None and not has_ended(period):
        problems.add(file, index, "period", f"{period.label} has not ended yet")
    value = cell("value", _number)
    by = cell("submitted_by", _required)
    at = cell("submitted_at", timestamp)
    state = cell("state", _state)
    approved_at = cell("approved_at", timestamp)
    approved_by = row.get("approved_by", "") or None
    if state == "approved" and approved_by is None:
        problems.add(
            file, index, "approved_by", "is empty; an approved reading says who approved it"
        )
    if approved_by is not None and approved_by == by:
        problems.add(file, index, "approved_by", "is who submitted it; nobody approves their own")
    if state == "provisional" and (approved_by or approved_at):
        problems.add(file, index, "state", "is provisional, but the row says who approved it")
    confirmed = cell(CONFIRMED_COLUMN, _yes)
    if number is None or period is None or value is None or by is None:
        return None
    return ReadingRow(
        number, period, value, by, at, row.get("note", ""), state or None, approved_by,
        approved_at, bool(confirmed), row.get(REVISION_COLUMN, ""),
    )  # fmt: skip


def _state(value: str) -> str:
    if value.lower() not in {"", "provisional", "approved"}:
        raise ValueError(f"'{value}' is not a state: write provisional or approved")
    return value.lower()


def _yes(value: str) -> bool:
    if value.lower() not in {"", "yes", "no"}:
        raise ValueError(f"'{value}' is not yes or no")
    return value.lower() == "yes"
