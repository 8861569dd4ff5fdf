"""`waymark report` (the progress report: draft, publish, list) and `waymark comparators
import` (figures from other areas read beside the road map's own)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.arguments import Commands, command, iso_date, os_user
from bot.messengers import programme_target
from bot.pdf import INSTALL_HINT, weasyprint_pdf
from bot.wiring import Runtime
from commands.comparators.importing import import_comparators
from commands.people.directory import names_for
from commands.presentation.formatting import moment
from commands.readings.locks import lock_summary
from commands.reports.building import MadeReport, draft_report
from commands.reports.later import came_in_later, later_words
from commands.reports.publishing import publish_report, published_reports, report_locked


def register(sub: Commands) -> None:
    """Add `report` and `comparators` to `waymark`."""
    p = command(
        sub, "report", run_report,
        "write the progress report as of a date to DIR: one self-contained HTML file and a PDF",
    )  # fmt: skip
    p.add_argument("--as-of", type=iso_date, metavar="DATE", help="YYYY-MM-DD (default: today)")
    p.add_argument("--area", metavar="AREA", help="only this priority area (slug or name)")
    p.add_argument("--group", metavar="SLUG", help="only the outcomes this group owns")
    p.add_argument(
        "--include-provisional", action="store_true",
        help="count readings not yet approved too (marked provisional); a draft only",
    )  # fmt: skip
    p.add_argument("--out", metavar="DIR", default=".", help="where to write (default: here)")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    q = command(
        actions, "publish", run_publish,
        "publish the report as of DATE: store what it shows, lock its periods, write it to DIR",
    )  # fmt: skip
    q.add_argument("--as-of", type=iso_date, required=True, metavar="DATE", help="YYYY-MM-DD")
    q.add_argument("--by", required=True, metavar="ADMIN", help="the administrator publishing")
    q.add_argument("--area", metavar="AREA", help="only this priority area (slug or name)")
    q.add_argument("--group", metavar="SLUG", help="only the outcomes this group owns")
    q.add_argument("--out", metavar="DIR", default=".", help="where to write (default: here)")
    command(actions, "list", run_list_reports, "the reports published: when, by whom, of what")

    comparators = sub.add_parser(
        "comparators", help="import England's (and other areas') figures to read beside targets"
    )
    comparators_sub = comparators.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command(
        comparators_sub, "import", run_comparators_import,
        "load comparator figures from FILE: waymark's comparators.csv "
        "(outcome,period,area,value,source) or a Fingertips data CSV",
    )  # fmt: skip
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--area", action="append", default=[], metavar="AREA",
        help="keep only this area's figures (again for more areas): England, a region, a "
        "council; default: every area in the file",
    )  # fmt: skip
    p.add_argument("--by", default=os_user(), metavar="USER", help="who is importing")


async def run_comparators_import(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.transaction() as session:
        found = await import_comparators(
            session, Path(args.file), actor=args.by, now=rt.now, areas=args.area
        )
    print(f"Imported {args.file} ({found.summary()}).")
    return 0


async def run_report(args: argparse.Namespace, rt: Runtime) -> int:
    make_pdf = weasyprint_pdf()
    as_of = args.as_of or rt.today
    async with rt.db.reading() as session:
        made = await draft_report(
            session, as_of=as_of, tz=rt.tz, make_pdf=make_pdf, area=args.area,
            group=args.group, include_provisional=args.include_provisional,
        )  # fmt: skip
        later = await came_in_later(session, made.snapshot, rt.tz)
    for path in write_report(made, Path(args.out)):
        print(f"Wrote {path}.")
    if (words := later_words(later, as_of, published=False)) is not None:
        print(words)
    if made.pdf is None:
        print(f"No PDF: the PDF extra is not installed ({INSTALL_HINT}).", file=sys.stderr)
    return 0


def write_report(made: MadeReport, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    html = directory / f"{made.filename}.html"
    html.write_text(made.html, encoding="utf-8")
    written = [html]
    if made.pdf is not None:
        pdf = directory / f"{made.filename}.pdf"
        pdf.write_bytes(made.pdf)
        written.append(pdf)
    return written


async def run_publish(args: argparse.Namespace, rt: Runtime) -> int:
    make_pdf = weasyprint_pdf()
    async with rt.db.transaction() as session:
        published = await publish_report(
            session, as_of=args.as_of, by=args.by, now=rt.now, tz=rt.tz, make_pdf=make_pdf,
            admins=rt.settings.admins, area=args.area, group=args.group,
            announce_to=programme_target(rt.settings), public_url=rt.settings.public_url,
        )  # fmt: skip
        names = await names_for(session, {published.record.published_by})
        later = await came_in_later(session, published.record.snapshot, rt.tz)
    record = published.record
    when = moment(record.published_at, rt.tz)
    if published.new:
        scope = record.snapshot["scope"]
        of = scope["name"] if scope["kind"] != "roadmap" else ""
        assert published.lock is not None  # a new publication always locks
        print(f"Published {record.title}. {lock_summary(published.lock, of)}")
        if rt.settings.programme_channel:
            print("The programme channel is told with the next run of the outbox.")
        if (words := later_words(later, record.as_of, published=True)) is not None:
            print(words)
    else:
        print(
            f"{record.title} was published on {when} by {names.of(record.published_by)}: "
            "made again from what it showed then."
        )
    for path in write_report(published.made, Path(args.out)):
        print(f"Wrote {path}.")
    if published.made.pdf is None:
        print(f"No PDF: the PDF extra is not installed ({INSTALL_HINT}).", file=sys.stderr)
    return 0


async def run_list_reports(args: argparse.Namespace, rt: Runtime) -> int:
    async with rt.db.reading() as session:
        found = await published_reports(session)
        names = await names_for(session, {r.published_by for r in found})
    if not found:
        print("No report has been published yet: waymark report publish --as-of DATE --by ADMIN")
        return 0
    for record in found:
        when = moment(record.published_at, rt.tz)
        by = names.of(record.published_by)
        print(
            f"{record.as_of.isoformat()}  {record.title}  (published {when} by {by}; "
            f"{report_locked(record)})"
        )
    return 0
