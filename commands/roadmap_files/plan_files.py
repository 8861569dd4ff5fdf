"""The delivery plans as CSV files beside the road map, in the same round trip:

- `actions.csv`: `outcome,number,title,kind,lead_org,owner,start,due,state,also_outcomes`: the
  action `outcome.number` (`12.3`), `kind` `action` or `pledge`, `owner` a chat user (`U0123`
  on Slack, `teams:ID` on Teams), dates written 2027-03-31, `state` the state now, and
  `also_outcomes` the other outcomes it serves, like `14;20`;
- `action_updates.csv`: `action,at,by,state,text`: every update, `at` in ISO 8601 with its
  time zone (2026-10-01T09:00:00Z).

Every row is checked with the road map's other files, and nothing is imported unless all are
good; an action already there is matched by its number and changed only where the file
differs; an update already there is not added again. Nothing is ever deleted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from commands.domain.dates import parse_day
from commands.plans.parsing import parse_ref
from commands.plans.states import owner_of, owner_text
from commands.roadmap_files.rows import Problems, read_rows, timestamp
from storage.plan_models import ActionKind, ActionOutcome, ActionState, ActionUpdate, PlanAction
from storage.repositories import AuditRepository, PlanRepository, RoadmapRepository

ACTION_COLUMNS = [
    "outcome", "number", "title", "kind", "lead_org", "owner", "start", "due", "state",
    "also_outcomes",
]  # fmt: skip
UPDATE_COLUMNS = ["action", "at", "by", "state", "text"]
OPTIONAL = {"kind", "lead_org", "owner", "start", "due", "also_outcomes", "text"}

ACTIONS, UPDATES = "actions.csv", "action_updates.csv"

T = TypeVar("T")


@dataclass(frozen=True)
class ActionLine:
    outcome: int
    number: int
    title: str
    kind: str
    lead_org: str
    owner: tuple[str, str] | None
    start: date | None
    due: date | None
    state: str
    also: tuple[int, ...]

    @property
    def ref(self) -> str:
        return f"{self.outcome}.{self.number}"


@dataclass(frozen=True)
class UpdateLine:
    action: str  # `12.3`
    at: datetime
    by: tuple[str, str]
    state: str
    text: str


@dataclass(frozen=True)
class PlanFiles:
    actions: list[ActionLine]
    updates: list[UpdateLine]


async def read_plan_files(
    session: AsyncSession, directory: Path, outcomes: set[int], problems: Problems
) -> PlanFiles:
    """Check `actions.csv` and `action_updates.csv` in `directory`, when there, against the
    outcomes the road map will have (`outcomes`) and the actions it has."""
    actions: list[ActionLine] = []
    if (directory / ACTIONS).exists():
        rows = read_rows(directory / ACTIONS, ACTION_COLUMNS, problems, optional=OPTIONAL)
        actions = _actions(rows, outcomes, problems)
    updates: list[UpdateLine] = []
    if (directory / UPDATES).exists():
        known = {a.ref for a in actions}
        known |= {
            f"{a.outcome.number}.{a.number}" for a in await PlanRepository(session).everything()
        }
        rows = read_rows(directory / UPDATES, UPDATE_COLUMNS, problems, optional=OPTIONAL)
        updates = _updates(rows, known, problems)
    return PlanFiles(actions, updates)


def _cell(
    problems: Problems, file: str, index: int, row: dict[str, str]
) -> Callable[[str, Callable[[str], T]], T | None]:
    def cell(column: str, parse: Callable[[str], T]) -> T | None:
        return problems.cell(file, index, row, column, parse)

    return cell


def _required(value: str) -> str:
    if not value:
        raise ValueError("is empty; every row needs a value here")
    return value


def _whole(value: str) -> int:
    if not re.fullmatch(r"\d+", value) or int(value) < 1:
        raise ValueError(f"'{value}' is not a whole number of at least 1")
    return int(value)


def _day(value: str) -> date | None:
    return parse_day(value) if value else None


def _state(value: str) -> str:
    try:
        return ActionState(value or ActionState.NOT_STARTED.value).value
    except ValueError:
        states = ", ".join(s.value for s in ActionState)
        raise ValueError(f"'{value}' is not a state: write one of {states}") from None


def _kind(value: str) -> str:
    try:
        return ActionKind(value or ActionKind.ACTION.value).value
    except ValueError:
        raise ValueError(f"'{value}' is not a kind: write action or pledge") from None


def _numbers(value: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[;\s]+", value) if p]
    if any(not p.isdigit() for p in parts):
        raise ValueError(f"'{value}' is not a list of outcome numbers: write it like 14;20")
    return tuple(int(p) for p in parts)


def _actions(
    rows: list[dict[str, str]], outcomes: set[int], problems: Problems
) -> list[ActionLine]:
    found: list[ActionLine] = []
    seen: set[str] = set()
    for index, row in enumerate(rows, start=2):
        before = len(problems.lines)
        cell = _cell(problems, ACTIONS, index, row)
        outcome, number = cell("outcome", _whole), cell("number", _whole)
        if outcome is not None and outcome not in outcomes:
            problems.add(ACTIONS, index, "outcome", f"there is no outcome {outcome}")
        also = cell("also_outcomes", _numbers) or ()
        for other in also:
            if other not in outcomes or other == outcome:
                problems.add(ACTIONS, index, "also_outcomes", f"{other} is not another outcome")
        start, due = cell("start", _day), cell("due", _day)
        if start is not None and due is not None and due < start:
            problems.add(ACTIONS, index, "due", f"{due} is before the start, {start}")
        line = ActionLine(
            outcome=outcome or 0,
            number=number or 0,
            title=cell("title", _required) or "",
            kind=cell("kind", _kind) or "",
            lead_org=row.get("lead_org", ""),
            owner=owner_of(row.get("owner", "")),
            start=start,
            due=due,
            state=cell("state", _state) or "",
            also=also,
        )
        if line.ref in seen:
            problems.add(ACTIONS, index, "number", f"action {line.ref} appears twice")
        if len(problems.lines) == before:
            seen.add(line.ref)
            found.append(line)
    return found


def _updates(rows: list[dict[str, str]], known: set[str], problems: Problems) -> list[UpdateLine]:
    found: list[UpdateLine] = []
    for index, row in enumerate(rows, start=2):
        before = len(problems.lines)
        cell = _cell(problems, UPDATES, index, row)
        ref = cell("action", lambda v: "{}.{}".format(*parse_ref(_required(v))))
        if ref is not None and ref not in known:
            problems.add(UPDATES, index, "action", f"there is no action {ref} in actions.csv")
        at = cell("at", lambda v: timestamp(_required(v)))
        by = cell("by", lambda v: owner_of(_required(v)))
        state = cell("state", lambda v: _state(_required(v)))
        if len(problems.lines) == before and ref and at and by and state:
            found.append(UpdateLine(ref, at, by, state, row.get("text", "")))
    return found


def _values(action: PlanAction, also: list[int]) -> dict[str, Any]:
    return {
        "title": action.title,
        "kind": action.kind,
        "lead_org": action.lead_org,
        "owner": owner_text(action.owner_platform, action.owner_id),
        "start": action.start.isoformat() if action.start else None,
        "due": action.due.isoformat() if action.due else None,
        "state": action.state,
        "also": also,
    }


async def apply_plan_files(
    session: AsyncSession,
    files: PlanFiles,
    count: Callable[[str, str], None],
    *,
    actor: str,
    now: datetime,
) -> None:
    """Store what the checked files hold; `count(kind, what)` tallies it for the report."""
    if not files.actions and not files.updates:
        return
    plans = PlanRepository(session)
    audit = AuditRepository(session)
    outcomes = {o.number: o for o in await RoadmapRepository(session).outcomes()}
    actions = {f"{a.outcome.number}.{a.number}": a for a in await plans.everything()}
    serving = await plans.serving(a.id for a in actions.values())
    for line in files.actions:
        action = actions.get(line.ref)
        before = _values(action, serving.get(action.id, [])) if action else None
        if action is None:
            action = PlanAction(
                outcome=outcomes[line.outcome], number=line.number, created_at=now, created_by=actor
            )
            plans.add(action)
            actions[line.ref] = action
        action.title, action.kind, action.lead_org = line.title, line.kind, line.lead_org
        action.owner_platform, action.owner_id = line.owner or (None, None)
        action.start, action.due, action.state = line.start, line.due, line.state
        if before is None or before["also"] != list(line.also):
            action.also = [
                ActionOutcome(outcome_id=outcomes[n].id, position=i)
                for i, n in enumerate(line.also)
            ]
        after = _values(action, list(line.also))
        subject = f"action:{line.ref}"
        if before == after:
            count("unchanged", "actions")
            continue
        count("created" if before is None else "updated", "actions")
        audit.record(at=now, actor=actor, action="action.imported", subject=subject,
                     before=before, after=after)  # fmt: skip
    await plans.flush()
    known = {
        (ref, u.at, u.by_platform, u.by_user, u.state, u.text)
        for ref, u in await plans.all_updates()
    }
    for update in files.updates:
        key = (update.action, update.at, *update.by, update.state, update.text)
        if key in known:
            count("unchanged", "action updates")
            continue
        known.add(key)
        plans.add(
            ActionUpdate(
                action_id=actions[update.action].id,
                at=update.at,
                by_platform=update.by[0],
                by_user=update.by[1],
                state=update.state,
                text=update.text,
                via="import",
            )
        )
        count("created", "action updates")
        audit.record(
            at=now,
            actor=actor,
            action="action.update.imported",
            subject=f"action:{update.action}",
            after={
                "at": update.at.isoformat(),
                "by": owner_text(*update.by),
                "state": update.state,
                "text": update.text,
            },
        )
    await plans.flush()


async def export_plan_files(session: AsyncSession) -> tuple[list[list[str]], list[list[str]]]:
    """The rows of `actions.csv` and `action_updates.csv`, as import reads them."""
    plans = PlanRepository(session)
    actions = await plans.everything()
    serving = await plans.serving(a.id for a in actions)
    action_rows = [
        [
            str(a.outcome.number),
            str(a.number),
            a.title,
            a.kind,
            a.lead_org,
            owner_text(a.owner_platform, a.owner_id),
            a.start.isoformat() if a.start else "",
            a.due.isoformat() if a.due else "",
            a.state,
            ";".join(str(n) for n in serving.get(a.id, [])),
        ]
        for a in actions
    ]
    update_rows = [
        [
            ref,
            u.at.isoformat().replace("+00:00", "Z"),
            owner_text(u.by_platform, u.by_user),
            u.state,
            u.text,
        ]
        for ref, u in await plans.all_updates()
    ]
    return action_rows, update_rows
