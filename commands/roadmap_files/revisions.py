"""Target revisions: a change of an outcome's baseline, milestones or tolerance is a dated revision
(who, when, why, before, after), never a silent edit, so that readings rated under earlier
targets keep the status they were given.

An import that would change targets needs a reason; `target_revisions.csv` carries the
revisions with the rest of the road map, so that export then import keeps them:
`outcome,at,by,reason` and the targets before and after, each written as outcomes.csv writes
them (`before_baseline_period,before_baseline_value,before_milestones,before_tolerance`, and the
same four `after_` columns).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.periods import Cadence, parse_period
from commands.domain.rules import format_number, parse_tolerance
from commands.domain.targets import Targets, target_changes
from commands.errors import UserError
from commands.roadmap_files.rows import (
    OutcomeRow,
    Problems,
    _integer,
    _milestones,
    _number,
    _required,
    timestamp,
)
from storage.models import Outcome, TargetRevision
from storage.repositories import AuditRepository, TargetRevisionRepository

REVISIONS_FILE = "target_revisions.csv"
_TARGET_COLUMNS = ["baseline_period", "baseline_value", "milestones", "tolerance"]
REVISION_COLUMNS = [
    "outcome", "at", "by", "reason",
    *(f"before_{c}" for c in _TARGET_COLUMNS), *(f"after_{c}" for c in _TARGET_COLUMNS),
]  # fmt: skip

T = TypeVar("T")


@dataclass(frozen=True)
class RevisionRow:
    row: int  # in the file, to name it in a problem
    outcome: int
    at: datetime
    by: str
    reason: str
    before: Targets
    after: Targets


@dataclass(frozen=True)
class PlannedChange:
    """An outcome whose targets an import would change."""

    number: int
    before: Targets
    after: Targets

    @property
    def words(self) -> str:
        return f"outcome {self.number}: " + "; ".join(target_changes(self.before, self.after))


def planned_changes(
    rows: Sequence[OutcomeRow], outcomes: Mapping[int, Outcome]
) -> list[PlannedChange]:
    """The outcomes already in the road map whose targets the rows would change."""
    planned = []
    for row in rows:
        outcome = outcomes.get(row.number)
        if outcome is None:
            continue
        before, after = Targets.of(outcome), Targets.of(row)
        if before != after:
            planned.append(PlannedChange(row.number, before, after))
    return planned


def need_a_reason(planned: Sequence[PlannedChange]) -> UserError:
    count = len(planned)
    which = "1 outcome" if count == 1 else f"{count} outcomes"
    lines = [
        f"Nothing was imported: the targets of {which} would change, and a change of targets "
        "needs a reason, kept with it in the outcome's history.",
        *(f"- {p.words}" for p in planned),
        "Readings already recorded keep the status they were given. If the change is meant, "
        'say why with --reason, like `waymark roadmap import DIR --reason "Board agreed new '
        'milestones on 3 November 2026"`; if not, correct outcomes.csv.',
    ]
    return UserError("\n".join(lines))


def revise(
    outcome: Outcome,
    change: PlannedChange,
    revisions: TargetRevisionRepository,
    audit: AuditRepository,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> None:
    """Keep the change of `outcome`'s targets as a revision, and audit it."""
    revisions.add(
        TargetRevision(
            outcome_id=outcome.id,
            at=now,
            by=by,
            reason=reason,
            before=change.before.as_json(),
            after=change.after.as_json(),
        )
    )
    audit.record(
        at=now,
        actor=by,
        action="outcome.targets_revised",
        subject=f"outcome:{outcome.number}",
        before=change.before.as_json(),
        after={**change.after.as_json(), "reason": reason},
    )


def parse_revisions(
    rows: list[dict[str, str]], cadences: Mapping[int, Cadence], problems: Problems
) -> list[RevisionRow]:
    found: list[RevisionRow] = []
    seen: set[tuple[int, datetime]] = set()
    for index, row in enumerate(rows, start=2):
        errors_before = len(problems.lines)
        revision = _parse_revision(row, index, cadences, problems)
        if revision is None or len(problems.lines) > errors_before:
            continue
        if (revision.outcome, revision.at) in seen:
            problems.add(REVISIONS_FILE, index, "at", "the outcome has another revision then")
            continue
        seen.add((revision.outcome, revision.at))
        found.append(revision)
    return found


def _parse_revision(
    row: dict[str, str], index: int, cadences: Mapping[int, Cadence], problems: Problems
) -> RevisionRow | None:
    def cell(column: str, parse: Callable[[str], T]) -> T | None:
        return problems.cell(REVISIONS_FILE, index, row, column, parse)

    number = cell("outcome", lambda v: _integer(v, 1))
    cadence = cadences.get(number) if number is not None else None
    if number is not None and cadence is None:
        problems.add(
            REVISIONS_FILE, index, "outcome", f"there is no outcome {number} in the road map"
        )
    at = cell("at", lambda v: timestamp(_required(v)))
    by, reason = cell("by", _required), cell("reason", _required)
    targets = [_targets(cell, side, cadence) for side in ("before", "after")] if cadence else []
    before, after = targets or (None, None)
    if number is None or at is None or by is None or reason is None:
        return None
    if before is None or after is None:
        return None
    return RevisionRow(index, number, at, by, reason, before, after)


def _targets(cell: Callable[..., Any], side: str, cadence: Cadence) -> Targets | None:
    baseline = cell(f"{side}_baseline_period", lambda v: parse_period(_required(v), cadence))
    value = cell(f"{side}_baseline_value", _number)
    milestones = cell(f"{side}_milestones", lambda v: _milestones(v, cadence, baseline))
    tolerance = cell(f"{side}_tolerance", lambda v: str(parse_tolerance(_required(v))))
    if baseline is None or value is None or milestones is None or tolerance is None:
        return None
    pairs = tuple((str(key), float(target)) for key, target in milestones)
    return Targets(baseline.label, value, pairs, tolerance)


async def apply_revisions(
    session: AsyncSession,
    rows: Sequence[RevisionRow],
    outcomes: Mapping[int, Outcome],
    count: Callable[[str, str], None],
    problems: Problems,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Add the file's revisions the road map does not have; one it has must say the same."""
    revisions, audit = TargetRevisionRepository(session), AuditRepository(session)
    for row in rows:
        outcome = outcomes[row.outcome]
        kept = await revisions.at(outcome.id, row.at)
        wanted = _values(row.by, row.reason, row.before.as_json(), row.after.as_json())
        if kept is not None:
            if _values(kept.by, kept.reason, kept.before, kept.after) == wanted:
                count("unchanged", "target revisions")
            else:
                different = f"outcome {row.outcome} has a different revision recorded then"
                problems.add(REVISIONS_FILE, row.row, "at", different)
            continue
        revisions.add(
            TargetRevision(
                outcome_id=outcome.id,
                at=row.at,
                by=row.by,
                reason=row.reason,
                before=row.before.as_json(),
                after=row.after.as_json(),
            )
        )
        count("created", "target revisions")
        audit.record(at=now, actor=actor, action="target_revision.imported",
                     subject=f"outcome:{row.outcome}", after=wanted)  # fmt: skip


def _values(
    by: str, reason: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "by": by,
        "reason": reason,
        "before": Targets.from_json(before).as_json(),
        "after": Targets.from_json(after).as_json(),
    }


async def revision_rows(session: AsyncSession) -> list[list[str]]:
    """Every revision, as target_revisions.csv writes them."""
    rows = []
    for number, revision in await TargetRevisionRepository(session).everything():
        before, after = Targets.from_json(revision.before), Targets.from_json(revision.after)
        rows.append(
            [
                str(number),
                revision.at.isoformat().replace("+00:00", "Z"),
                revision.by,
                revision.reason,
                *_cells(before),
                *_cells(after),
            ]
        )
    return rows


def _cells(targets: Targets) -> list[str]:
    return [
        targets.baseline_period,
        format_number(targets.baseline_value),
        targets.milestones_text,
        targets.tolerance,
    ]
