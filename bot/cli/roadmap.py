"""`waymark init`, `roadmap`, `readings`, `status`, `list` and `submit`: the road map, its
readings and its statuses from the command line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tabulate import tabulate

from bot.cli.arguments import Commands, command, local_date_or_time, os_user, outcome_number
from bot.cli.progress import ProgressBar
from bot.wiring import Runtime, load_example_if_empty
from commands.comparators.importing import COMPARATORS_FILE, import_comparators
from commands.comparisons import comparisons_of
from commands.context import get_outcome
from commands.domain.comparators import latest_by_area
from commands.domain.status import OutcomeStatus, ReadingView
from commands.domain.targets import Revision, target_changes
from commands.outcomes.statuses import list_statuses, outcome_status
from commands.outcomes.targets import revisions_of
from commands.people.directory import NO_NAMES, Names, names_for
from commands.plans.queries import outcome_actions
from commands.presentation.cards import comparison_words
from commands.presentation.formatting import (
    DIRECTION_WORDS,
    STATUS_WORDS,
    counted,
    day,
    explanation,
    moment,
    with_unit,
)
from commands.presentation.targets import short_day
from commands.readings.operators import submit_from_command_line
from commands.roadmap_files.exporting import export_readings, export_roadmap
from commands.roadmap_files.importing import import_readings, import_roadmap
from storage.publication_models import ReadingState


def register(sub: Commands) -> None:
    """Add the road map's commands to `waymark`."""
    command(
        sub, "init", run_init, "create or migrate the database; load the example road map if empty"
    )

    roadmap = sub.add_parser("roadmap", help="import or export the road map as CSV files")
    roadmap_sub = roadmap.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        roadmap_sub, "import", run_roadmap_import,
        "load groups.csv, outcomes.csv, readings.csv, people.csv and target_revisions.csv "
        "(and the delivery plans' actions.csv and action_updates.csv) from DIR",
    )  # fmt: skip
    p.add_argument("directory", metavar="DIR")
    p.add_argument(
        "--by", default=os_user(), metavar="USER",
        help="who is importing, for the audit log and target revisions; approves readings the "
        "file does not say about (default: you)",
    )  # fmt: skip
    p.add_argument(
        "--reason", metavar="TEXT",
        help="why outcomes' targets (baseline, milestones, tolerance) change; needed when they do",
    )  # fmt: skip
    p = command(
        roadmap_sub, "export", run_roadmap_export,
        "write groups.csv, outcomes.csv, readings.csv, people.csv, target_revisions.csv, "
        "actions.csv and action_updates.csv to DIR",
    )  # fmt: skip
    p.add_argument("directory", metavar="DIR")

    readings = sub.add_parser("readings", help="import or export readings as CSV")
    readings_sub = readings.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        readings_sub, "import", run_readings_import, "load readings from a readings.csv FILE"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--by", default=os_user(), metavar="USER",
        help="who is importing, for the audit log; approves readings the file does not say "
        "about (default: you)",
    )  # fmt: skip
    p = command(
        readings_sub, "export", run_readings_export, "write every reading, with history, to FILE"
    )
    p.add_argument("file", metavar="FILE")

    judge_help = "judge as if it were DATE (YYYY-MM-DD)"
    p = command(
        sub, "status", run_status, "one outcome: latest reading, expected value, status, due date"
    )
    p.add_argument("number", type=outcome_number, metavar="N")
    p.add_argument("--at", type=local_date_or_time, metavar="DATE", help=judge_help)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = command(sub, "list", run_list, "every outcome with its status, as a table")
    p.add_argument("--area", metavar="AREA", help="only this priority area (slug or name)")
    p.add_argument("--at", type=local_date_or_time, metavar="DATE", help=judge_help)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command(sub, "submit", run_submit, "record a reading for outcome N")
    p.add_argument("number", type=outcome_number, metavar="N")
    p.add_argument("value", metavar="VALUE", help="the value, like 23.4, 23.4%% or 1,234")
    p.add_argument(
        "--period",
        metavar="P",
        help="the period, like 2025-03, 2025-Q1, 2025, 2024/25 or 2021-23 (default: the due "
        "period)",
    )
    p.add_argument(
        "--note",
        metavar="TEXT",
        help="a note kept with the reading: what is being done, when it is at risk or off track",
    )
    p.add_argument(
        "--confirm",
        action="store_true",
        help="keep a figure waymark questions (far from the last, or replacing another's)",
    )
    p.add_argument(
        "--reason", metavar="TEXT", help="why a published (locked) period is revised (admins)"
    )
    p.add_argument("--by", default=os_user(), metavar="USER", help="who is submitting")
    p.add_argument("--at", type=local_date_or_time, metavar="TIME", help=argparse.SUPPRESS)


async def run_init(args: argparse.Namespace, rt: Runtime) -> int:
    report = await load_example_if_empty(rt.db, actor="waymark init", now=rt.now, tz=rt.tz)
    if report is None:
        print("The database is up to date and already holds a road map; nothing loaded.")
    else:
        print(f"Database ready. Loaded the example road map: {report.summary()}.")
    return 0


async def run_roadmap_import(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        report = await import_roadmap(
            session, Path(args.directory), actor=args.by, now=rt.now, tz=rt.tz,
            reason=args.reason, progress=ProgressBar(after=2.0),
        )  # fmt: skip
        comparators = Path(args.directory) / COMPARATORS_FILE
        if comparators.exists():
            found = await import_comparators(session, comparators, actor=args.by, now=rt.now)
    print(f"Imported {args.directory}: {report.summary()}.")
    if comparators.exists():
        print(f"Imported {comparators} ({found.summary()}).")
    return 0


async def run_roadmap_export(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        written = await export_roadmap(session, Path(args.directory))
    print("Wrote " + ", ".join(str(p) for p in written) + ".")
    return 0


async def run_readings_import(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        report = await import_readings(
            session, Path(args.file), now=rt.now, tz=rt.tz, actor=args.by,
            progress=ProgressBar(after=2.0),
        )  # fmt: skip
    print(f"Imported {args.file}: {report.summary()}.")
    return 0


async def run_readings_export(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        written = await export_readings(session, Path(args.file))
    print(f"Wrote {written}.")
    return 0


async def run_status(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        outcome = await get_outcome(session, args.number)
        status = await outcome_status(session, args.number, rt.today, outcome=outcome)
        revisions = await revisions_of(session, outcome)
        actions = await outcome_actions(session, args.number, as_of=rt.now)
        names = await names_for(session, _submitters([status]) | {r.by for r in revisions})
        figures = (await comparisons_of(session, [outcome.id])).get(outcome.id, [])
    if args.json:
        found = {
            **status_json(status, revisions, names),
            "actions": [a.as_json() for a in actions],
            "comparators": [f.as_json() for f in figures],
        }
        print(json.dumps(found, indent=2))
    else:
        print(status_text(status, rt.tz, names, revisions))
        if figures:
            shown = latest_by_area(figures, until=rt.today)
            print(f"  Compared with: {comparison_words(shown, status.unit)}")
        for action in actions:
            due = f", due {day(action.due)}" if action.due else ""
            state = action.state.replace("_", " ")
            print(f"  Action {action.number}: {action.title} ({state}{due})")
    return 0


def status_json(status: OutcomeStatus, revisions: list[Revision], names: Names) -> dict[str, Any]:
    """`waymark status N --json`: the status, who submitted and approved its readings by name,
    and the revisions of its targets."""
    found = status.as_json()
    for key, reading in (("latest", status.latest), ("previous", status.previous)):
        if reading is not None:
            found[key]["submitted_by_name"] = names.of(reading.submitted_by)
            if reading.approved_by:
                found[key]["approved_by_name"] = names.of(reading.approved_by)
    found["target_revisions"] = [r.as_json() for r in revisions]
    return found


def _submitters(found: list[OutcomeStatus]) -> set[str]:
    """Who submitted, and who approved, the readings shown: they are shown by name."""
    readings = [r for s in found for r in (s.latest, s.previous) if r is not None]
    return {r.submitted_by for r in readings} | {r.approved_by for r in readings if r.approved_by}


async def run_list(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        found = await list_statuses(session, rt.today, area=args.area)
        names = await names_for(session, _submitters(found))
    if args.json:
        print(json.dumps([s.as_json() for s in found], indent=2))
        return 0
    rows = [
        [
            s.number,
            _clip(s.title, 48),
            f"{s.latest.period}: {with_unit(s.latest.value, s.unit)}" if s.latest else "-",
            _clip(names.of(s.latest.submitted_by), 24) if s.latest else "-",
            with_unit(s.expected, s.unit) if s.expected is not None else "-",
            STATUS_WORDS[s.status],
            DIRECTION_WORDS[s.direction] if s.direction else "-",
            ("OVERDUE " if s.due and s.due.overdue else "") + (s.due.period if s.due else "-"),
        ]
        for s in found
    ]
    headers = ["#", "outcome", "latest", "by", "expected", "status", "direction", "due"]
    print(tabulate(rows, headers=headers, disable_numparse=True))
    print(f"\n{counted(len(found), 'outcome')}, judged on {day(rt.today)}.")
    return 0


async def run_submit(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        recorded = await submit_from_command_line(
            session, number=args.number, value_text=args.value, period_text=args.period,
            note=args.note or "", reason=args.reason or "", confirm=args.confirm, by=args.by,
            admins=rt.settings.admins, now=rt.now, tz=rt.tz,
        )  # fmt: skip
    print(recorded.summary())
    print(f"Status now: {STATUS_WORDS[recorded.status.status]}. {explanation(recorded.status)}")
    if recorded.reading.revision_reason:
        print(f"Marked as revised after publication: {recorded.reading.revision_reason}.")
    if recorded.reading.state == ReadingState.PROVISIONAL:
        print("It is provisional until an approver approves it (waymark approve).")
    return 0


def status_text(
    s: OutcomeStatus, tz: ZoneInfo, names: Names = NO_NAMES, revisions: Sequence[Revision] = ()
) -> str:
    def reading(label: str, r: ReadingView) -> str:
        when, by = moment(r.submitted_at, tz), names.of(r.submitted_by)
        approver = names.of(r.approved_by) if r.approved_by else "-"
        state = "provisional" if r.provisional else f"approved by {approver}"
        revised = ", revised after publication" if r.revision_reason else ""
        return (
            f"{label}{r.period}: {with_unit(r.value, s.unit)} (by {by}, {when}; {state}{revised})"
        )

    lines = [f"Outcome {s.number}: {s.title}", f"  Area: {s.area}"]
    lines.append(f"  Owner: {s.owner_name} ({s.owner})" if s.owner else "  Owner: none assigned")
    lines.append(f"  Measure: {s.measure} ({s.unit}, {s.polarity.value.replace('_', ' ')})")
    lines.append(reading("  Latest: ", s.latest) if s.latest else "  Latest: no reading yet")
    if s.latest and (s.latest.note or s.latest.commentary_missing):
        lines.append(f"  Commentary: {s.latest.note or 'missing'}")
    if s.previous:
        lines.append(reading("  Previous: ", s.previous))
    if s.expected is not None:
        lines.append(f"  Expected for {s.expected_for}: {with_unit(s.expected, s.unit)}")
    lines.append(f"  Status: {STATUS_WORDS[s.status]}. {explanation(s)}")
    if s.direction:
        lines.append(f"  Direction: {DIRECTION_WORDS[s.direction]} since {s.previous.period}")  # type: ignore[union-attr]
    if s.next_milestone:
        target = with_unit(s.next_milestone.value, s.unit)
        lines.append(f"  Next milestone: {target} by {s.next_milestone.label}")
    if s.due:
        state = "overdue" if s.due.overdue else "received"
        lines.append(f"  Due: {s.due.period}, due {day(s.due.due_date)} ({state})")
    else:
        lines.append("  Due: nothing due yet")
    for revision in revisions:
        changed = "; ".join(target_changes(revision.before, revision.after))
        lines.append(
            f"  Targets revised on {short_day(revision.at, tz)} by {names.of(revision.by)}: "
            f"{changed} ({revision.reason})"
        )
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
