"""The `waymark` command: builds settings and the database, then runs one sub-command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from tabulate import tabulate

from commands.domain.status import OutcomeStatus, local_today
from commands.errors import UserError
from commands.outcomes.statuses import list_statuses, outcome_status
from commands.presentation.formatting import (
    DIRECTION_WORDS,
    STATUS_WORDS,
    day,
    explanation,
    moment,
    with_unit,
)
from commands.readings.parsing import parse_value, reading_period
from commands.readings.recording import Via, get_outcome, record_reading
from commands.roadmap_files.exporting import export_readings, export_roadmap
from commands.roadmap_files.importing import import_readings, import_roadmap
from config import EXAMPLE_ROADMAP
from config.settings import Settings, SettingsError, load_settings
from storage.db import Database, DatabaseUrlError
from storage.repositories import RoadmapRepository


@dataclass
class Runtime:
    """What every sub-command is given: settings, the database, the time zone and `now`, with
    the clock that goes on from it (None when `now` is a pretend time, `--at`)."""

    settings: Settings
    db: Database
    tz: ZoneInfo
    now: datetime
    clock: Callable[[], datetime] | None = None

    @property
    def today(self) -> date:
        return local_today(self.now, self.tz)


Handler = Callable[[argparse.Namespace, Runtime], Awaitable[int]]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _at(text: str) -> datetime | date:
    """`--at 2026-03-02` or `--at 2026-03-02T10:00`: a local date, or a local date and time."""
    try:
        return (
            datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        )
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date: write it like 2026-03-02 or 2026-03-02T10:00"
        ) from None


def _outcome_number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not an outcome number: write it like 12")
    return int(text)


def _moment(at: datetime | date | None, tz: ZoneInfo) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if isinstance(at, datetime):
        return (at if at.tzinfo else at.replace(tzinfo=tz)).astimezone(UTC)
    # A bare date stands for midday there: clear of midnight on both sides of a clock change.
    return datetime.combine(at, time(12, 0), tzinfo=tz).astimezone(UTC)


async def run_serve(args: argparse.Namespace, rt: Runtime) -> int:
    from bot.server import serve_forever, start

    await serve_forever(lambda: start(rt.settings, host=args.host, port=args.port))
    return 0


async def run_init(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        if not await RoadmapRepository(session).is_empty():
            print("The database is up to date and already holds a road map; nothing loaded.")
            return 0
        report = await import_roadmap(
            session, EXAMPLE_ROADMAP, actor="waymark init", now=rt.now, tz=rt.tz
        )
    print(f"Database ready. Loaded the example road map: {report.summary()}.")
    return 0


async def run_roadmap_import(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        report = await import_roadmap(
            session, Path(args.directory), actor=args.by, now=rt.now, tz=rt.tz
        )
    print(f"Imported {args.directory}: {report.summary()}.")
    return 0


async def run_roadmap_export(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        written = await export_roadmap(session, Path(args.directory))
    print("Wrote " + ", ".join(str(p) for p in written) + ".")
    return 0


async def run_readings_import(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        report = await import_readings(session, Path(args.file), now=rt.now, tz=rt.tz)
    print(f"Imported {args.file}: {report.summary()}.")
    return 0


async def run_readings_export(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        written = await export_readings(session, Path(args.file))
    print(f"Wrote {written}.")
    return 0


async def run_status(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        status = await outcome_status(session, args.number, rt.today)
    if args.json:
        print(json.dumps(status.as_json(), indent=2))
    else:
        print(status_text(status, rt.tz))
    return 0


async def run_list(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        found = await list_statuses(session, rt.today, area=args.area)
    if args.json:
        print(json.dumps([s.as_json() for s in found], indent=2))
        return 0
    rows = [
        [
            s.number,
            _clip(s.title, 48),
            f"{s.latest.period}: {with_unit(s.latest.value, s.unit)}" if s.latest else "-",
            with_unit(s.expected, s.unit) if s.expected is not None else "-",
            STATUS_WORDS[s.status],
            DIRECTION_WORDS[s.direction] if s.direction else "-",
            ("OVERDUE " if s.due and s.due.overdue else "") + (s.due.period if s.due else "-"),
        ]
        for s in found
    ]
    headers = ["#", "outcome", "latest", "expected", "status", "direction", "due"]
    print(tabulate(rows, headers=headers))
    print(f"\n{len(found)} outcomes, judged on {day(rt.today)}.")
    return 0


async def run_submit(args: argparse.Namespace, rt: Runtime) -> int:
    value = parse_value(args.value)
    async with rt.db.transaction() as session:
        outcome = await get_outcome(session, args.number)
        period = reading_period(outcome, args.period, rt.now, rt.tz)
        recorded = await record_reading(
            session,
            outcome=outcome,
            value=value,
            period=period,
            by=args.by,
            via=Via.CLI,
            now=rt.now,
            tz=rt.tz,
            note=args.note or "",
        )
    print(recorded.summary())
    print(f"Status now: {STATUS_WORDS[recorded.status.status]}. {explanation(recorded.status)}")
    return 0


def status_text(s: OutcomeStatus, tz: ZoneInfo) -> str:
    def reading(label: str, r: object) -> str:
        from commands.domain.status import ReadingView

        assert isinstance(r, ReadingView)
        when = moment(r.submitted_at, tz)
        return f"{label}{r.period}: {with_unit(r.value, s.unit)} (by {r.submitted_by}, {when})"

    lines = [f"Outcome {s.number}: {s.title}", f"  Area: {s.area}"]
    lines.append(f"  Owner: {s.owner_name} ({s.owner})" if s.owner else "  Owner: none assigned")
    lines.append(f"  Measure: {s.measure} ({s.unit}, {s.polarity.value.replace('_', ' ')})")
    lines.append(reading("  Latest: ", s.latest) if s.latest else "  Latest: no reading yet")
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
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waymark",
        description="waymark runs a partnership road map: outcomes, readings and their status.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Handler, help_text: str, parent: object = sub
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)  # type: ignore[attr-defined]
        p.set_defaults(handler=handler)
        return p  # type: ignore[no-any-return]

    command("init", run_init, "create or migrate the database; load the example road map if empty")

    roadmap = sub.add_parser("roadmap", help="import or export the road map as CSV files")
    roadmap_sub = roadmap.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        "import",
        run_roadmap_import,
        "load groups.csv, outcomes.csv and readings.csv from DIR",
        roadmap_sub,
    )
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--by", default=getpass.getuser(), help="who is importing (for the audit log)")
    p = command(
        "export",
        run_roadmap_export,
        "write groups.csv, outcomes.csv and readings.csv to DIR",
        roadmap_sub,
    )
    p.add_argument("directory", metavar="DIR")

    readings = sub.add_parser("readings", help="import or export readings as CSV")
    readings_sub = readings.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        "import", run_readings_import, "load readings from a readings.csv FILE", readings_sub
    )
    p.add_argument("file", metavar="FILE")
    p = command(
        "export", run_readings_export, "write every reading, with history, to FILE", readings_sub
    )
    p.add_argument("file", metavar="FILE")

    p = command(
        "status", run_status, "one outcome: latest reading, expected value, status, due date"
    )
    p.add_argument("number", type=_outcome_number, metavar="N")
    p.add_argument("--at", type=_at, metavar="DATE", help="judge as if it were DATE (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")

    p = command("list", run_list, "every outcome with its status, as a table")
    p.add_argument("--area", metavar="AREA", help="only this priority area (slug or name)")
    p.add_argument("--at", type=_at, metavar="DATE", help="judge as if it were DATE (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command("submit", run_submit, "record a reading for outcome N")
    p.add_argument("number", type=_outcome_number, metavar="N")
    p.add_argument("value", metavar="VALUE", help="the value, like 23.4, 23.4%% or 1,234")
    p.add_argument(
        "--period",
        metavar="P",
        help="the period, like 2025-03, 2025-Q1, 2025 or 2024/25 (default: the due period)",
    )
    p.add_argument("--note", metavar="TEXT", help="a note kept with the reading")
    p.add_argument("--by", default=getpass.getuser(), metavar="USER", help="who is submitting")
    p.add_argument("--at", type=_at, metavar="TIME", help=argparse.SUPPRESS)

    from bot.operator_cli import register as register_operator_commands

    register_operator_commands(sub)

    from bot.teams_package import register_teams_cli

    register_teams_cli(sub)

    p = command(
        "serve", run_serve, "answer Slack (or start the local playground) and run the scheduler"
    )
    p.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    return parser


async def _run(handler: Handler, args: argparse.Namespace, settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        at = getattr(args, "at", None)
        clock = None if at is not None else _wall_clock
        rt = Runtime(settings, db, settings.zone, _moment(at, settings.zone), clock)
        return await handler(args, rt)
    finally:
        await db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return asyncio.run(_run(args.handler, args, settings))
    except (UserError, SettingsError, DatabaseUrlError) as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
